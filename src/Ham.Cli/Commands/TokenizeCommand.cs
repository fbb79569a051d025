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
        var tokenizer = ClipTokenizer.Default;
        var output = new StringBuilder();
        var lineNumber = 0;
        var count = 0;
        foreach (var line in File.ReadLines(input))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var row = ParseRow(line, input, lineNumber);
            var text = row["text"] is JsonValue value && value.TryGetValue<string>(out var s)
                ? s
                : throw new InvalidDataException($"{input}:{lineNumber}: \"text\" is missing or not a string");
            row["ids"] = new JsonArray(tokenizer.Encode(text).Select(id => (JsonNode?)JsonValue.Create(id)).ToArray());
            WritePython(row, output);
            output.Append('\n');
            count++;
        }
        AtomicFile.WriteAllText(settings.Output!, output.ToString());
        Log.Info($"tokenized {count} texts from {input} into {settings.Output}");
        return 0;
    }

    private static JsonObject ParseRow(string line, string input, int lineNumber)
    {
        try
        {
            return JsonNode.Parse(line) as JsonObject
                   ?? throw new InvalidDataException($"{input}:{lineNumber}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{input}:{lineNumber}: not valid JSON ({e.Message})");
        }
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
