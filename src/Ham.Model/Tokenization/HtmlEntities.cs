using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Ham.Model.Tokenization;

/// <summary>
/// Python's <c>html.unescape</c>: numeric references with the HTML5 replacements (cp1252 for 0x80..0x9F, U+FFFD
/// for surrogates and out-of-range values, nothing for non-characters), named references with the semicolon,
/// and the legacy names that may omit it ("&amp" or "&eacute" followed by letters).
/// </summary>
public static partial class HtmlEntities
{
    // HTML 4 names of U+00A0..U+00FF, in code point order: the legacy references valid without a semicolon.
    private static readonly string[] Latin1Names =
    [
        "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf", "laquo", "not",
        "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot", "cedil", "sup1",
        "ordm", "raquo", "frac14", "frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc", "Atilde", "Auml",
        "Aring", "AElig", "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH",
        "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc",
        "Uuml", "Yacute", "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig",
        "ccedil", "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
        "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc", "uuml",
        "yacute", "thorn", "yuml",
    ];

    private static readonly Dictionary<string, string> Legacy = BuildLegacy();

    // What HTML5 substitutes for the C1 range 0x80..0x9F (Windows-1252, the five undefined bytes kept).
    private const string C1Replacements =
        "\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F" +
        "\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178";

    [GeneratedRegex(@"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")]
    private static partial Regex Reference();

    /// <summary>Replaces every character reference as Python's <c>html.unescape</c> does.</summary>
    public static string Unescape(string text) =>
        text.Contains('&') ? Reference().Replace(text, match => Replace(match.Groups[1].Value)) : text;

    /// <summary>The value of one reference body (the part after '&amp;'), as <c>html.unescape</c> gives it.</summary>
    public static string Replace(string body)
    {
        if (body[0] == '#') return Numeric(body);
        if (body.EndsWith(';') && Named(body[..^1]) is { } named) return named;
        if (Legacy.TryGetValue(body, out var legacy)) return legacy;
        for (var length = body.Length - 1; length > 1; length--)
        {
            if (Legacy.TryGetValue(body[..length], out var prefix)) return prefix + body[length..];
        }
        return "&" + body;
    }

    private static string Numeric(string body)
    {
        var hex = body[1] is 'x' or 'X';
        var digits = body[(hex ? 2 : 1)..].TrimEnd(';');
        var style = hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None;
        // Python's int is unbounded; anything too long for a long is past U+10FFFF all the same.
        var number = long.TryParse(digits, style, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : long.MaxValue;
        if (number == 0) return "\uFFFD";
        if (number == 0x0D) return "\r";
        if (number is >= 0x80 and <= 0x9F) return C1Replacements[(int)number - 0x80].ToString();
        if (number is >= 0xD800 and <= 0xDFFF || number > 0x10FFFF) return "\uFFFD";
        if (IsInvalidCodePoint((int)number)) return "";
        return char.ConvertFromUtf32((int)number);
    }

    private static bool IsInvalidCodePoint(int number) =>
        number is >= 0x01 and <= 0x08 or 0x0B or >= 0x0E and <= 0x1F or >= 0x7F and <= 0x9F
            or >= 0xFDD0 and <= 0xFDEF || (number & 0xFFFE) == 0xFFFE;

    /// <summary>A named reference written with its semicolon, from the HTML 4 set (and &amp;apos;) that
    /// WebUtility knows; null for an unknown name. TODO: HTML5-only names (e.g. "&amp;bigstar;") are not known.
    /// </summary>
    public static string? Named(string name)
    {
        if (name.Length == 0) return null;
        var reference = $"&{name};";
        var decoded = WebUtility.HtmlDecode(reference);
        return decoded == reference ? null : decoded;
    }

    private static Dictionary<string, string> BuildLegacy()
    {
        var legacy = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["amp"] = "&", ["AMP"] = "&", ["lt"] = "<", ["LT"] = "<", ["gt"] = ">", ["GT"] = ">",
            ["quot"] = "\"", ["QUOT"] = "\"", ["COPY"] = "\u00A9", ["REG"] = "\u00AE",
        };
        for (var i = 0; i < Latin1Names.Length; i++) legacy[Latin1Names[i]] = ((char)(0xA0 + i)).ToString();
        return legacy;
    }
}
