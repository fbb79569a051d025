using System.Globalization;
using System.Text.Json;
using Ham.Model.Tokenization;
using Ham.Testing;
using Xunit;

namespace Ham.Model.Tests.Tokenization;

public sealed class ClipTokenizerTests
{
    private static readonly ClipTokenizer Tokenizer = ClipTokenizer.Default;

    private static List<(string Text, int[] Ids)> Fixture() =>
        File.ReadLines(SharedData.Path("fixtures", "clip-tokenizer.jsonl"))
            .Where(line => line.Length > 0)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Select(row => (row.GetProperty("text").GetString()!,
                row.GetProperty("ids").EnumerateArray().Select(id => id.GetInt32()).ToArray()))
            .ToList();

    [SharedFact]
    public void Ids_equal_the_reference_for_every_fixture_text()
    {
        var mismatches = Fixture()
            .Where(row => !Tokenizer.Encode(row.Text).SequenceEqual(row.Ids))
            .Select(row => $"{JsonSerializer.Serialize(row.Text)}: expected [{string.Join(", ", row.Ids)}], got " +
                           $"[{string.Join(", ", Tokenizer.Encode(row.Text))}]")
            .ToList();

        Assert.True(mismatches.Count == 0, $"{mismatches.Count} texts differ:\n{string.Join("\n", mismatches)}");
    }

    [SharedFact]
    public void Encoding_from_many_threads_gives_the_reference_ids()
    {
        var rows = Fixture();
        var fresh = ClipTokenizer.Default.WithFtfy(false);

        var results = new int[rows.Count][];
        Parallel.For(0, rows.Count * 4, i => results[i % rows.Count] = fresh.Encode(rows[i % rows.Count].Text));

        Assert.All(Enumerable.Range(0, rows.Count), i => Assert.Equal(rows[i].Ids, results[i]));
    }

    [Fact]
    public void Embedded_vocabulary_has_the_reference_special_ids()
    {
        Assert.Equal(49408, Tokenizer.VocabSize);
        Assert.Equal(49406, Tokenizer.StartOfText);
        Assert.Equal(49407, Tokenizer.EndOfText);
        Assert.Equal(new[] { 49406, 320, 1125, 539, 320, 1929, 269, 49407 }, Tokenizer.Encode("a photo of a dog."));
    }

    [Fact]
    public void Batch_pads_with_zeros_to_the_context_length()
    {
        using var ids = Tokenizer.EncodeBatch(["a photo of a dog.", ""]);

        Assert.Equal(new long[] { 2, 77 }, ids.shape);
        Assert.Equal(TorchSharp.torch.ScalarType.Int64, ids.dtype);
        Assert.Equal(new long[] { 49406, 320, 1125, 539, 320, 1929, 269, 49407, 0 },
            ids[0].data<long>().Take(9).ToArray());
        Assert.Equal(new long[] { 49406, 49407, 0 }, ids[1].data<long>().Take(3).ToArray());
        Assert.Equal(0, ids[0].data<long>().Skip(8).Sum());
    }

    [Fact]
    public void Too_long_text_is_an_error_naming_it_and_its_length()
    {
        var text = string.Join(" ", Enumerable.Repeat("dog", 80));

        var error = Assert.Throws<ArgumentException>(() => Tokenizer.EncodeBatch([text]));

        Assert.Contains("dog dog dog", error.Message);
        Assert.Contains("82 tokens", error.Message);
    }

    [Fact]
    public void Truncation_keeps_the_first_76_ids_and_the_end_token()
    {
        var text = string.Join(" ", Enumerable.Range(0, 100).Select(i => i % 2 == 0 ? "cat" : "dog"));
        var full = Tokenizer.Encode(text);

        using var ids = Tokenizer.EncodeBatch([text], truncate: true);

        var row = ids[0].data<long>().ToArray();
        Assert.Equal(full.Take(76).Select(id => (long)id), row.Take(76));
        Assert.Equal(49407, row[76]);
    }

    [Theory]
    [InlineData("ΣΑΣ ΟΔΟΣ", "σας οδος")]
    [InlineData("İstanbul", "i\u0307stanbul")]
    [InlineData("ẞ STRASSE", "ß strasse")]
    [InlineData("Σ", "σ")]
    public void Lower_casing_matches_python_str_lower(string text, string expected)
    {
        // Python gives the final-sigma form at a word's end: 'ΣΑΣ ΟΔΟΣ'.lower() == 'σας οδος'.
        Assert.Equal(expected, PythonText.Lower(text));
    }

    [Fact]
    public void Lower_casing_does_not_depend_on_the_current_culture()
    {
        var before = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("tr-TR");
            // Turkish culture lower-cases 'I' to dotless 'ı'; Python and CLIP give 'i'.
            Assert.Equal(Tokenizer.Encode("living in india"), Tokenizer.Encode("LIVING IN INDIA"));
            Assert.Equal(Tokenizer.Encode("i\u0307"), Tokenizer.Encode("\u0130"));
            Assert.Equal("title", PythonText.Lower("TITLE"));
            Assert.Equal("ıi", "Iİ".ToLower(CultureInfo.CurrentCulture));
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [Theory]
    [InlineData("a &amp;amp; b", "a & b")]
    [InlineData("&lt;3", "<3")]
    [InlineData("caf&eacute; &copy", "café ©")]
    [InlineData("&#x41;&#66;&#128;", "ab€")]
    [InlineData("  tab\tand\nnew  line  ", "tab and new line")]
    [InlineData("&notanentity; &bogus;", "¬anentity; &bogus;")]
    public void Clean_up_follows_the_reference(string text, string expected)
    {
        Assert.Equal(expected, ClipTextCleaner.Clean(text));
    }

    [Theory]
    [InlineData("\uFB01ne \u201Cquoted\u201D \uFF21", "fine \"quoted\" a", "\uFB01ne \u201Cquoted\u201D \uFF41")]
    [InlineData("&amp;amp;amp;", "&", "&amp;")]
    [InlineData("<b>&amp;amp;amp;</b>", "<b>&amp;</b>", "<b>&amp;</b>")]
    [InlineData("e\u0301t\u00E9\u0007", "\u00E9t\u00E9", "e\u0301t\u00E9\u0007")]
    public void Ftfy_emulation_changes_ligatures_quotes_widths_and_entities(string text, string withFtfy,
        string without)
    {
        Assert.Equal(withFtfy, ClipTextCleaner.Clean(text, applyFtfy: true));
        Assert.Equal(without, ClipTextCleaner.Clean(text));
    }
}
