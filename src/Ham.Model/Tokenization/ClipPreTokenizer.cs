using System.Text;
using Microsoft.ML.Tokenizers;

namespace Ham.Model.Tokenization;

/// <summary>
/// CLIP's pre-tokenization pattern,
/// <c>&lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>
/// (case-insensitive), written as a scanner over code points so that letters outside the Basic Multilingual
/// Plane are letters, as they are for Python's regex module (a .NET regex sees their surrogate halves).
/// </summary>
public sealed class ClipPreTokenizer : PreTokenizer
{
    private static readonly string[] SpecialTokens = ["<|startoftext|>", "<|endoftext|>"];
    private static readonly string[] Contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    public static ClipPreTokenizer Instance { get; } = new();

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Split(text);

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) =>
        Split(text.ToString());

    /// <summary>The (offset, length) of each pre-token, in order.</summary>
    public static List<(int Offset, int Length)> Split(string text)
    {
        var tokens = new List<(int Offset, int Length)>();
        var i = 0;
        while (i < text.Length)
        {
            var literal = SpecialTokens.Concat(Contractions).FirstOrDefault(candidate =>
                string.Compare(text, i, candidate, 0, candidate.Length, StringComparison.OrdinalIgnoreCase) == 0);
            if (literal is not null)
            {
                tokens.Add((i, literal.Length));
                i += literal.Length;
                continue;
            }

            var rune = RuneAt(text, i);
            if (Rune.IsLetter(rune))
            {
                var start = i;
                while (i < text.Length && Rune.IsLetter(RuneAt(text, i))) i += RuneAt(text, i).Utf16SequenceLength;
                tokens.Add((start, i - start));
            }
            else if (Rune.IsNumber(rune))
            {
                tokens.Add((i, rune.Utf16SequenceLength));
                i += rune.Utf16SequenceLength;
            }
            else if (Rune.IsWhiteSpace(rune))
            {
                i += rune.Utf16SequenceLength;
            }
            else
            {
                var start = i;
                while (i < text.Length && IsOther(RuneAt(text, i))) i += RuneAt(text, i).Utf16SequenceLength;
                tokens.Add((start, i - start));
            }
        }
        return tokens;
    }

    private static bool IsOther(Rune rune) => !Rune.IsLetter(rune) && !Rune.IsNumber(rune) && !Rune.IsWhiteSpace(rune);

    // A lone surrogate reads as U+FFFD (a symbol), one UTF-16 unit long.
    private static Rune RuneAt(string text, int index) =>
        Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out _) == System.Buffers.OperationStatus.Done
            ? rune
            : Rune.ReplacementChar;
}
