using Ham.Model.Tokenization;
using Xunit;

namespace Ham.Model.Tests.Tokenization;

public sealed class BreakerTokenizerTests
{
    [Fact]
    public void A_very_long_text_is_named_by_its_start_on_one_line()
    {
        var text = "first line\n" + string.Concat(Enumerable.Repeat("word ", 20_000));

        var error = Assert.Throws<ArgumentException>(() => ClipTokenizer.Default.EncodeBatch([text]));

        Assert.Contains("\"first line word word", error.Message);
        Assert.Contains($"({text.Length} characters)", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.True(error.Message.Length < 400, $"message of {error.Message.Length} characters");
    }
}
