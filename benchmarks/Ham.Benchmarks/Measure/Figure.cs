using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ham.Benchmarks.Measure;

/// <summary>One measured figure, as a child process reports it on a "RESULT {json}" line.</summary>
/// <param name="Group">Table it belongs to: memory, merge, training, data.</param>
/// <param name="Name">What was measured ("TIES in memory").</param>
/// <param name="Value">The figure.</param>
/// <param name="Unit">Its unit ("s", "GB/s", "img/s", "GB").</param>
/// <param name="Load">1-minute load average when it was taken.</param>
/// <param name="Time">Local time it was taken, ISO 8601.</param>
/// <param name="Anchor">True for the PyTorch side of a comparison.</param>
public sealed record Figure(
    string Group,
    string Name,
    double Value,
    string Unit,
    double Load,
    string Time,
    bool Anchor = false)
{
    /// <summary>Details: seconds, peak bytes, threads, sizes; written into the JSON line as they are.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }

    public const string Prefix = "RESULT ";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>A figure taken now, with its details.</summary>
    public static Figure Now(string group, string name, double value, string unit, object? extra = null) =>
        new(group, name, value, unit, Machine.LoadAverage(), DateTime.Now.ToString("s", CultureInfo.InvariantCulture))
        {
            Extra = extra is null ? null : ToExtra(extra),
        };

    /// <summary>The figure as one JSON object: a line of a results file.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The figure as a child process prints it: "RESULT {json}".</summary>
    public string ToLine() => Prefix + ToJson();

    /// <summary>Parses a "RESULT {json}" line; null for any other line.</summary>
    public static Figure? TryParse(string line) =>
        line.StartsWith(Prefix, StringComparison.Ordinal)
            ? JsonSerializer.Deserialize<Figure>(line[Prefix.Length..], Json)
            : null;

    /// <summary>A detail as a number (NaN when absent).</summary>
    public double Detail(string key) =>
        Extra is not null && Extra.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : double.NaN;

    private static Dictionary<string, JsonElement> ToExtra(object extra)
    {
        var element = JsonSerializer.SerializeToElement(extra, Json);
        return element.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }
}
