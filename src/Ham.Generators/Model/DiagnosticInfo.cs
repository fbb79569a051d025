using System;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Ham.Generators.Model
{
    /// <summary>A diagnostic as equatable data: its descriptor id, message arguments and spec-file location.</summary>
    internal sealed record DiagnosticInfo(string Id, EquatableArray<string> Arguments, LocationInfo? Location)
    {
        public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location,
            params object[] args) =>
            new DiagnosticInfo(
                descriptor.Id,
                args.Select(a => Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture) ?? "")
                    .ToEquatableArray(),
                location);

        public Diagnostic ToDiagnostic() =>
            Diagnostic.Create(
                SpecDiagnostics.ById(Id),
                Location?.ToLocation() ?? Microsoft.CodeAnalysis.Location.None,
                Arguments.Cast<object>().ToArray());
    }
}
