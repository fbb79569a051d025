using System.Text;
using System.Text.Json;

namespace Ham.Cli.Reports;

/// <summary>
/// Reads a JSONL file line by line. A malformed line is an <see cref="InvalidDataException"/> naming file:line,
/// with one exception: a last line that has no newline at its end and does not parse is what a killed writer leaves
/// behind, so it is skipped with a warning instead. Blank lines are skipped.
/// </summary>
public static class JsonLines
{
    public static List<T> Read<T>(string path, Func<JsonElement, SourceLine, T> parse, Action<string> warn)
    {
        var text = File.ReadAllText(path, Encoding.UTF8);
        var lines = text.Split('\n');
        var endsWithNewline = text.EndsWith('\n');
        var records = new List<T>();

        for (var index = 0; index < lines.Length; index++)
        {
            var line = lines[index].TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            var where = new SourceLine(path, index + 1);
            var isUnterminatedLast = index == lines.Length - 1 && !endsWithNewline;

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException exception) when (isUnterminatedLast)
            {
                warn($"{where}: skipped the truncated last line (no newline, not valid JSON: {exception.Message})");
                continue;
            }
            catch (JsonException exception)
            {
                throw new InvalidDataException($"{where}: not a valid JSON line: {exception.Message}", exception);
            }

            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                    throw new InvalidDataException(
                        $"{where}: expected a JSON object, found {document.RootElement.ValueKind}");
                records.Add(parse(document.RootElement, where));
            }
        }
        return records;
    }

    public static string RequiredString(JsonElement line, string key, SourceLine where) =>
        Required(line, key, where, JsonValueKind.String).GetString()!;

    public static string? OptionalString(JsonElement line, string key, SourceLine where) =>
        Optional(line, key, where, JsonValueKind.String)?.GetString();

    public static int RequiredInt(JsonElement line, string key, SourceLine where) =>
        ToInt(Required(line, key, where, JsonValueKind.Number), key, where);

    public static int? OptionalInt(JsonElement line, string key, SourceLine where) =>
        Optional(line, key, where, JsonValueKind.Number) is { } value ? ToInt(value, key, where) : null;

    public static double RequiredDouble(JsonElement line, string key, SourceLine where) =>
        Required(line, key, where, JsonValueKind.Number).GetDouble();

    public static double? OptionalDouble(JsonElement line, string key, SourceLine where) =>
        Optional(line, key, where, JsonValueKind.Number)?.GetDouble();

    /// <summary>A fraction in [0, 1]; a percentage written by mistake is caught here.</summary>
    public static double Fraction(double value, string key, SourceLine where) =>
        value is >= 0 and <= 1
            ? value
            : throw new InvalidDataException($"{where}: \"{key}\" is {value}, expected a fraction in [0, 1]");

    public static JsonElement Required(JsonElement line, string key, SourceLine where, JsonValueKind kind) =>
        Optional(line, key, where, kind)
        ?? throw new InvalidDataException($"{where}: missing \"{key}\" (expected a {Describe(kind)})");

    public static JsonElement? Optional(JsonElement line, string key, SourceLine where, JsonValueKind kind)
    {
        if (!line.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != kind)
            throw new InvalidDataException(
                $"{where}: \"{key}\" is {value.GetRawText()}, expected a {Describe(kind)}");
        return value;
    }

    private static int ToInt(JsonElement value, string key, SourceLine where) =>
        value.TryGetInt32(out var number)
            ? number
            : throw new InvalidDataException($"{where}: \"{key}\" is {value.GetRawText()}, expected an integer");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.Array => "array",
        JsonValueKind.Object => "object",
        _ => kind.ToString(),
    };
}
