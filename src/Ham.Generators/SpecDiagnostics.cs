using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Ham.Generators
{
    /// <summary>Every diagnostic the spec generator reports; ids are stable and never reused.</summary>
    internal static class SpecDiagnostics
    {
        private const string Category = "Ham.Specs";

        public static readonly DiagnosticDescriptor MalformedJson = Error(
            "HAM0001", "Malformed spec JSON", "Spec '{0}' is not valid JSON: {1}");

        public static readonly DiagnosticDescriptor MissingField = Error(
            "HAM0002", "Missing spec field", "Spec '{0}' lacks the field '{1}' ({2})");

        public static readonly DiagnosticDescriptor InvalidField = Error(
            "HAM0003", "Invalid spec field", "Spec '{0}': field '{1}' is {2}, expected {3}");

        public static readonly DiagnosticDescriptor HeadsDoNotDivideWidth = Error(
            "HAM0004", "Width not divisible into heads", "Spec '{0}': {1} width {2} is not divisible by {3} {4}");

        public static readonly DiagnosticDescriptor UnknownGroupMember = Error(
            "HAM0005", "Unknown group member",
            "Spec '{0}': '{1}' in '{2}' is neither a group nor a checkpoint key of this architecture");

        public static readonly DiagnosticDescriptor DuplicateSpecName = Error(
            "HAM0006", "Duplicate spec name", "Spec '{0}' is named {1}, which '{2}' already names; rename one file");

        public static readonly DiagnosticDescriptor UnsupportedArchitecture = Error(
            "HAM0007", "Unsupported architecture", "Spec '{0}': {1}");

        public static readonly DiagnosticDescriptor PatchDoesNotDivideImage = Error(
            "HAM0008", "Image size not divisible by patch size",
            "Spec '{0}': image_size {1} is not divisible by patch_size {2}");

        public static readonly DiagnosticDescriptor DuplicateGroupName = Error(
            "HAM0009", "Duplicate group name", "Spec '{0}': group '{1}' is defined twice or shadows a built-in group");

        private static readonly Dictionary<string, DiagnosticDescriptor> All = new[]
        {
            MalformedJson, MissingField, InvalidField, HeadsDoNotDivideWidth, UnknownGroupMember,
            DuplicateSpecName, UnsupportedArchitecture, PatchDoesNotDivideImage, DuplicateGroupName,
        }.ToDictionary(d => d.Id);

        public static DiagnosticDescriptor ById(string id) => All[id];

        private static DiagnosticDescriptor Error(string id, string title, string message) =>
            new DiagnosticDescriptor(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
    }
}
