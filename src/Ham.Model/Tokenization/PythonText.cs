using System.Globalization;
using System.Text;

namespace Ham.Model.Tokenization;

/// <summary>
/// Python's string rules where CLIP's reference tokenizer depends on them, independent of the current culture.
/// </summary>
public static class PythonText
{
    /// <summary>
    /// <c>str.lower()</c>: full lower-case mapping (İ becomes i + combining dot) and the Final_Sigma rule
    /// (Σ at the end of a word becomes ς), which culture-invariant .NET lower-casing lacks.
    /// </summary>
    public static string Lower(string text)
    {
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length;)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var consumed);
            if (rune.Value == 0x130) result.Append("i\u0307");
            else if (rune.Value == 0x3A3) result.Append(IsFinalSigma(text, i) ? '\u03C2' : '\u03C3');
            else result.Append(Rune.ToLowerInvariant(rune).ToString());
            i += consumed;
        }
        return result.ToString();
    }

    /// <summary>Python's <c>str.isspace</c> for one character (it includes U+001C..U+001F, .NET does not).</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001C' and <= '\u001F';

    /// <summary><c>str.strip()</c> with Python's notion of white space.</summary>
    public static string Strip(string text)
    {
        var (start, end) = (0, text.Length);
        while (start < end && IsSpace(text[start])) start++;
        while (end > start && IsSpace(text[end - 1])) end--;
        return text[start..end];
    }

    // Final_Sigma: \p{cased} \p{case-ignorable}* Σ, not followed by \p{case-ignorable}* \p{cased}.
    private static bool IsFinalSigma(string text, int index)
    {
        var before = index - 1;
        while (before >= 0 && IsCaseIgnorable(text[before])) before--;
        if (before < 0 || !IsCased(text[before])) return false;
        var after = index + 1;
        while (after < text.Length && IsCaseIgnorable(text[after])) after++;
        return after == text.Length || !IsCased(text[after]);
    }

    private static bool IsCased(char c) => CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(char c) =>
        c is '\'' or '.' or ':' or '\u00B7' or '\u0387' or '\u05F4' or '\u2018' or '\u2019' or '\u2024' or '\u2027'
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;
}
