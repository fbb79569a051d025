using System.Text;
using System.Text.RegularExpressions;

namespace Ham.Model.Tokenization;

/// <summary>
/// CLIP's text clean-up before BPE: <c>whitespace_clean(basic_clean(text)).lower()</c>, where basic_clean is
/// [ftfy.fix_text], then html.unescape twice, then strip.
/// The reference ids in the shared fixture keep ligatures ("ﬁ") and curly quotes, which ftfy.fix_text would have
/// changed: they were made without ftfy, so ftfy is off by default. With it on, the parts of ftfy that change
/// well-encoded text are applied (entities, terminal escapes, Latin ligatures, full-width forms, curly quotes,
/// control characters, NFC).
/// TODO: ftfy's mojibake repair (fix_encoding, C1 controls as cp1252) is not reproduced.
/// </summary>
public static partial class ClipTextCleaner
{
    private static readonly Dictionary<char, string> Ligatures = new()
    {
        ['\u0132'] = "IJ", ['\u0133'] = "ij", ['\u0149'] = "\u02BCn", ['\u01F1'] = "DZ", ['\u01F2'] = "Dz",
        ['\u01F3'] = "dz", ['\u01C4'] = "D\u017D", ['\u01C5'] = "D\u017E", ['\u01C6'] = "d\u017E",
        ['\u01C7'] = "LJ", ['\u01C8'] = "Lj", ['\u01C9'] = "lj", ['\u01CA'] = "NJ", ['\u01CB'] = "Nj",
        ['\u01CC'] = "nj", ['\uFB00'] = "ff", ['\uFB01'] = "fi", ['\uFB02'] = "fl", ['\uFB03'] = "ffi",
        ['\uFB04'] = "ffl", ['\uFB05'] = "\u017Ft", ['\uFB06'] = "st",
    };

    [GeneratedRegex(@"&#?[0-9A-Za-z]{1,24};")]
    private static partial Regex FtfyEntity();

    [GeneratedRegex("\u001B\\[((?:\\d|;)*)([a-zA-Z])")]
    private static partial Regex TerminalEscape();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>The text exactly as CLIP's tokenizer sees it before pre-tokenization.</summary>
    /// <param name="applyFtfy">Run the ftfy.fix_text emulation first (the reference does when ftfy is installed).
    /// </param>
    public static string Clean(string text, bool applyFtfy = false)
    {
        var fixedText = applyFtfy ? FixText(text) : text;
        var unescaped = HtmlEntities.Unescape(HtmlEntities.Unescape(fixedText));
        var basic = PythonText.Strip(unescaped);

        var collapsed = PythonText.Strip(Whitespace().Replace(basic, " "));
        return PythonText.Lower(collapsed);
    }

    /// <summary>The parts of ftfy.fix_text (default settings) that matter for well-encoded text.</summary>
    public static string FixText(string text)
    {
        // ftfy works line by line and stops unescaping entities from the first line holding a '<' (likely HTML).
        var result = new StringBuilder(text.Length);
        var unescape = true;
        var start = 0;
        while (start < text.Length)
        {
            var end = text.IndexOf('\n', start);
            end = end < 0 ? text.Length : end + 1;
            var line = text[start..end];
            if (line.Contains('<')) unescape = false;
            result.Append(FixLine(line, unescape));
            start = end;
        }
        return result.ToString();
    }

    private static string FixLine(string line, bool unescape)
    {
        if (unescape) line = FtfyEntity().Replace(line, match => UnescapeEntity(match.Value));
        line = TerminalEscape().Replace(line, "");

        var fixedChars = new StringBuilder(line.Length);
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (char.IsSurrogate(c))
            {
                var paired = char.IsHighSurrogate(c) && i + 1 < line.Length && char.IsLowSurrogate(line[i + 1]);
                if (paired) fixedChars.Append(c).Append(line[++i]);
                else fixedChars.Append('\uFFFD');
                continue;
            }
            if (Ligatures.TryGetValue(c, out var expanded)) fixedChars.Append(Uncurl(expanded));
            else if (c is >= '\uFF01' and <= '\uFFEF') fixedChars.Append(FullWidth(c));
            else if (c == '\u3000') fixedChars.Append(' ');
            else if (!IsRemovedControl(c)) fixedChars.Append(Uncurl(c));
        }
        return fixedChars.ToString().Normalize(NormalizationForm.FormC);
    }

    // ftfy resolves named entities only by their exact semicolon name, and keeps numeric ones whose value
    // would still hold a ';'.
    private static string UnescapeEntity(string entity)
    {
        if (entity[1] != '#') return HtmlEntities.Named(entity[1..^1]) ?? entity;
        var value = HtmlEntities.Replace(entity[1..]);
        return value.Contains(';') ? entity : value;
    }

    // Full- and half-width forms to their ordinary counterparts, as NFKC maps them.
    private static string FullWidth(char c) => c.ToString().Normalize(NormalizationForm.FormKC);

    private static string Uncurl(string text) => string.Concat(text.Select(Uncurl));

    private static char Uncurl(char c) => c switch
    {
        '\u02BC' or >= '\u2018' and <= '\u201B' => '\'',
        >= '\u201C' and <= '\u201F' => '"',
        _ => c,
    };

    private static bool IsRemovedControl(char c) =>
        c is <= '\u0008' or '\u000B' or >= '\u000E' and <= '\u001F' or '\u007F' or >= '\u206A' and <= '\u206F'
            or '\uFEFF' or >= '\uFFF9' and <= '\uFFFC';
}
