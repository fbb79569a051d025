using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;

namespace Ham.Generators.Emitting
{
    /// <summary>
    /// The hand-written types that generated specs build on (TensorShape, KeyCatalogue, SpecGroups, ClipSpec...),
    /// kept as ordinary C# files under Runtime/ and embedded, so that they read as code and compile in the consumer.
    /// </summary>
    internal static class RuntimeSources
    {
        private const string Prefix = "Ham.Generators.Runtime.";

        public static IReadOnlyList<(string HintName, string Source)> All()
        {
            var assembly = typeof(RuntimeSources).GetTypeInfo().Assembly;
            return assembly.GetManifestResourceNames()
                .Where(n => n.StartsWith(Prefix) && n.EndsWith(".cs"))
                .OrderBy(n => n, System.StringComparer.Ordinal)
                .Select(n => (HintName(n), Read(assembly, n)))
                .ToList();
        }

        // "Ham.Generators.Runtime.KeyCatalogue.cs" -> "Runtime.KeyCatalogue.g.cs"
        private static string HintName(string resource) =>
            "Runtime." + resource.Substring(Prefix.Length, resource.Length - Prefix.Length - 3) + ".g.cs";

        private static string Read(Assembly assembly, string name)
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Replace("\r\n", "\n");
        }
    }
}
