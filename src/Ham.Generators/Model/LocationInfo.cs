using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Ham.Generators.Model
{
    /// <summary>A place in a spec file, kept as plain values so that the pipeline never caches a Location.</summary>
    internal sealed record LocationInfo(
        // Path of the spec file as the compiler was given it.
        string Path,
        // Character offset of the first character.
        int Start,
        // Number of characters covered.
        int Length,
        // Zero-based line and column of the first character.
        int StartLine,
        int StartColumn,
        // Zero-based line and column just past the last character.
        int EndLine,
        int EndColumn)
    {
        public Location ToLocation() =>
            Location.Create(
                Path,
                new TextSpan(Start, Length),
                new LinePositionSpan(new LinePosition(StartLine, StartColumn), new LinePosition(EndLine, EndColumn)));
    }
}
