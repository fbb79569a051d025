using System.Buffers;
using System.Text;

namespace Ham.Cli.Data;

/// <summary>
/// Orders strings by Unicode code point, as Python's <c>sorted</c> does. <see cref="string.CompareOrdinal(string,
/// string)"/> compares UTF-16 code units, which puts U+E000..U+FFFF after the supplementary planes (surrogates are
/// 0xD800..0xDFFF); this comparer decodes runes first, so that "\uFF01" sorts before "\U0001F600".
/// </summary>
public sealed class CodePointComparer : IComparer<string>
{
    public static CodePointComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;

        var (i, j) = (0, 0);
        while (i < x.Length && j < y.Length)
        {
            var a = NextCodePoint(x, ref i);
            var b = NextCodePoint(y, ref j);
            if (a != b) return a.CompareTo(b);
        }
        return (x.Length - i).CompareTo(y.Length - j);
    }

    // A lone surrogate (not valid UTF-16, but possible in a file name) counts as its own code unit value.
    private static int NextCodePoint(string text, ref int index)
    {
        if (Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out var consumed) == OperationStatus.Done)
        {
            index += consumed;
            return rune.Value;
        }
        return text[index++];
    }
}
