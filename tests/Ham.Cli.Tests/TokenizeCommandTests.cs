using System.Text.Json;
using Ham.Cli;
using Ham.Cli.Commands;
using Ham.Testing;
using Spectre.Console.Cli;
using Xunit;

namespace Ham.Cli.Tests;

public sealed class TokenizeCommandTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("ham-tokenize-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    internal static int Run(params string[] args) => HamApp.Create().Run(args);

    [SharedFact]
    public void Output_reproduces_the_reference_fixture_byte_for_byte()
    {
        var fixture = SharedData.Path("fixtures", "clip-tokenizer.jsonl");
        var input = Path.Combine(directory, "texts.jsonl");
        File.WriteAllLines(input, File.ReadLines(fixture)
            .Select(line => JsonSerializer.Serialize(new { text = JsonDocument.Parse(line).RootElement
                .GetProperty("text").GetString() })));
        var output = Path.Combine(directory, "ids.jsonl");

        var exitCode = Run("tokenize", "--jsonl", input, "--out", output);

        Assert.Equal(0, exitCode);
        Assert.Equal(File.ReadAllText(fixture).TrimEnd('\n'), File.ReadAllText(output).TrimEnd('\n'));
    }

    [Fact]
    public void Other_fields_are_kept_and_ids_added()
    {
        var input = Path.Combine(directory, "in.jsonl");
        File.WriteAllText(input, "{\"id\": 7, \"text\": \"a photo of a dog.\"}\n\n{\"text\": \"caf\\u00e9\\t\"}\n");
        var output = Path.Combine(directory, "out.jsonl");

        Assert.Equal(0, Run("tokenize", "--jsonl", input, "--out", output));

        var lines = File.ReadAllLines(output);
        Assert.Equal(2, lines.Length);
        Assert.Equal("{\"id\": 7, \"text\": \"a photo of a dog.\", \"ids\": [49406, 320, 1125, 539, 320, 1929, 269, " +
                     "49407]}", lines[0]);
        Assert.StartsWith("{\"text\": \"café\\t\", \"ids\": [49406, ", lines[1]);
    }

    [Fact]
    public void A_line_without_text_fails_naming_file_and_line()
    {
        var input = Path.Combine(directory, "bad.jsonl");
        File.WriteAllText(input, "{\"text\": \"ok\"}\n{\"txt\": \"typo\"}\n");
        var output = Path.Combine(directory, "never.jsonl");

        var exitCode = Run("tokenize", "--jsonl", input, "--out", output);

        Assert.Equal(1, exitCode);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("encode")]
    [InlineData("tokenize")]
    public void Help_renders_and_exits_zero(string command)
    {
        Assert.Equal(0, Run(command, "--help"));
    }

    [Fact]
    public void Missing_options_are_a_usage_error()
    {
        Assert.NotEqual(0, Run("tokenize", "--out", Path.Combine(directory, "x.jsonl")));
    }
}
