using System.Globalization;
using System.Linq;
using System.Text;

namespace Ham.Generators.Emitting
{
    /// <summary>Builds indented C# source with "\n" line ends, so that output is identical on every platform.</summary>
    internal sealed class CodeWriter
    {
        private readonly StringBuilder builder = new StringBuilder();
        private int indent;

        public CodeWriter Line(string text = "")
        {
            if (text.Length > 0) builder.Append(' ', indent * 4).Append(text);
            builder.Append('\n');
            return this;
        }

        public CodeWriter Open(string text)
        {
            Line(text);
            Line("{");
            indent++;
            return this;
        }

        public CodeWriter Close(string suffix = "")
        {
            indent--;
            return Line("}" + suffix);
        }

        public override string ToString() => builder.ToString();

        public static string Literal(string value) =>
            "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

        public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

        // 149620737 -> "149,620,737", for documentation comments.
        public static string Grouped(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

        public static string Shape(long[] shape) =>
            "new TensorShape(" + string.Join(", ", shape.Select(Number)) + ")";

        public static string Strings(System.Collections.Generic.IEnumerable<string> values) =>
            "new string[] { " + string.Join(", ", values.Select(Literal)) + " }";
    }
}
