using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ham.Model.IO;
using Ham.Model.Tokenization;
using Spectre.Console.Cli;

namespace Ham.Cli.Commands;

/// <summary><c>ham tokenize --jsonl IN --out OUT</c>: CLIP token ids for each <c>{"text": ...}</c> line.</summary>
[Description("CLIP token ids for each {\"text\": ...} line of a JSONL file, in the reference fixture's format")]
public sealed class TokenizeCommand : Command<TokenizeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--jsonl <IN>")]
        [Description("Input: one JSON object with a \"text\" string per line (other fields are kept).")]
        public string? Input { get; init; }

        [CommandOption("--out <OUT>")]
        [Description("Output JSONL: each input object with \"ids\" added (start and end tokens, no padding).")]
        public string? Output { get; init; }

        public override Spectre.Console.ValidationResult Validate()
        {
            if (string.IsNullOrEmpty(Input)) return Spectre.Console.ValidationResult.Error("--jsonl is required");
            if (string.IsNullOrEmpty(Output)) return Spectre.Console.ValidationResult.Error("--out is required");
            return Spectre.Console.ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var input = settings.Input!;
        if (!File.Exists(input)) throw new FileNotFoundException($"--jsonl file not found: {input}", input);
        OutputPath.RequireNotAnInput(settings.Output!, "--out", [("--jsonl", input)]);
        var tokenizer = ClipTokenizer.Default;
        var output = new StringBuilder();
        var lineNumber = 0;
        var count = 0;
        foreach (var line in Lines(input))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            TokenizeRow(line, input, lineNumber, tokenizer, output);
            count++;
        }
        AtomicFile.WriteAllText(settings.Output!, output.ToString());
        Log.Info($"tokenized {count} texts from {input} into {settings.Output}");
        return 0;
    }

    // Bytes that are not UTF-8 are an error, as in Python's json, rather than silently becoming U+FFFD.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false,
        throwOnInvalidBytes: true);

    // The file's lines, each decoded on its own so that a byte that is not UTF-8 is reported with its line.
    private static IEnumerable<string> Lines(string input)
    {
        var bytes = File.ReadAllBytes(input);
        var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        for (var lineNumber = 1; start < bytes.Length; lineNumber++)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            if (end < 0) end = bytes.Length;
            string line;
            try
            {
                line = StrictUtf8.GetString(bytes, start, end - start).TrimEnd('\r');
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidDataException($"{input}:{lineNumber}: not valid UTF-8 ({e.Message})");
            }
            yield return line;
            start = end + 1;
        }
    }

    // One output line: the row with its ids. JSON nodes parse lazily, so duplicate keys and lone surrogates only
    // surface when the row is read or written, and are reported with the line as well.
    private static void TokenizeRow(string line, string input, int lineNumber, ClipTokenizer tokenizer,
        StringBuilder output)
    {
        try
        {
            var row = JsonNode.Parse(line) as JsonObject
                      ?? throw new InvalidDataException($"{input}:{lineNumber}: expected a JSON object");
            if (row["text"] is JsonValue value && value.TryGetValue<string>(out var text))
            {
                var ids = tokenizer.Encode(text).Select(id => (JsonNode?)JsonValue.Create(id)).ToArray();
                row["ids"] = new JsonArray(ids);
                var rendered = new StringBuilder();
                WritePython(row, rendered);
                output.Append(rendered).Append('\n');
                return;
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{input}:{lineNumber}: not valid JSON ({e.Message})");
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"{input}:{lineNumber}: not valid JSON ({e.Message})");
        }
        throw new InvalidDataException($"{input}:{lineNumber}: \"text\" is missing or not a string");
    }

    /// <summary>
    /// Writes JSON as Python's <c>json.dumps(..., ensure_ascii=False)</c> does (", " and ": " separators, only control
    /// characters, quotes and backslashes escaped), so that the output has the fixture's format byte for byte.
    /// </summary>
    internal static void WritePython(JsonNode? node, StringBuilder output)
    {
        switch (node)
        {
            case null:
                output.Append("null");
                break;
            case JsonObject obj:
                output.Append('{');
                var first = true;
                foreach (var (key, value) in obj)
                {
                    if (!first) output.Append(", ");
                    first = false;
                    WriteString(key, output);
                    output.Append(": ");
                    WritePython(value, output);
                }
                output.Append('}');
                break;
            case JsonArray array:
                output.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0) output.Append(", ");
                    WritePython(array[i], output);
                }
                output.Append(']');
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                WriteString(value.GetValue<string>(), output);
                break;
            default:
                output.Append(node.ToJsonString());
                break;
        }
    }

    private static void WriteString(string text, StringBuilder output)
    {
        output.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': output.Append("\\\""); break;
                case '\\': output.Append("\\\\"); break;
                case '\n': output.Append("\\n"); break;
                case '\r': output.Append("\\r"); break;
                case '\t': output.Append("\\t"); break;
                case '\b': output.Append("\\b"); break;
                case '\f': output.Append("\\f"); break;
                default:
                    if (c < 0x20)
                        output.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else output.Append(c);
                    break;
            }
        }
        output.Append('"');
    }
}
