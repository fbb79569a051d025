using System.Text.Json;
using static Ham.Cli.Reports.JsonLines;

namespace Ham.Cli.Reports;

/// <summary>
/// Reads the run directories that <c>ham dg</c> writes (<c>options.json</c>, <c>log.jsonl</c>,
/// <c>results.jsonl</c>). Fields it does not know are ignored. Several directories are pooled; the same
/// (method, target, seed) twice, in one file or across files, is an error naming both places, because a report
/// must not silently choose between two measurements of one cell.
/// </summary>
public static class RunReader
{
    public const string OptionsFile = "options.json";
    public const string LogFile = "log.jsonl";
    public const string ResultsFile = "results.jsonl";

    public static RunDirectory Read(string directory, Action<string> warn)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"run directory {directory} does not exist");
        var optionsPath = Path.Combine(directory, OptionsFile);
        var logPath = Path.Combine(directory, LogFile);
        var resultsPath = Path.Combine(directory, ResultsFile);
        if (!File.Exists(logPath) && !File.Exists(resultsPath))
            throw new FileNotFoundException(
                $"{directory} is not a run directory: neither {LogFile} nor {ResultsFile} is there", resultsPath);

        var options = File.Exists(optionsPath) ? ReadOptions(optionsPath) : [];
        if (!File.Exists(optionsPath)) warn($"{optionsPath} is missing; the run's options are not shown");
        var steps = File.Exists(logPath) ? JsonLines.Read(logPath, ParseStep, warn) : [];
        if (!File.Exists(resultsPath)) warn($"{resultsPath} is missing; the run has no finished cell yet");
        var results = File.Exists(resultsPath) ? JsonLines.Read(resultsPath, ParseResult, warn) : [];
        return new RunDirectory(directory, options, steps, results);
    }

    /// <summary>Reads every directory and checks that no (method, target, seed) is given twice.</summary>
    public static IReadOnlyList<RunDirectory> ReadAll(IReadOnlyList<string> directories, Action<string> warn)
    {
        if (directories.Count == 0) throw new ArgumentException("give at least one run directory", nameof(directories));
        var repeated = directories.GroupBy(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d)))
            .FirstOrDefault(group => group.Count() > 1);
        if (repeated is not null)
            throw new ArgumentException(
                $"run directory {repeated.Key} is given {repeated.Count()} times; give each once", nameof(directories));
        var runs = directories.Select(directory => Read(directory, warn)).ToList();

        var seen = new Dictionary<(string Method, string Target, int Seed), SourceLine>();
        foreach (var result in runs.SelectMany(run => run.Results))
        {
            var key = (result.Method, result.Target, result.Seed);
            if (seen.TryGetValue(key, out var first))
                throw new InvalidDataException(
                    $"{first} and {result.Source} both hold method {result.Method}, target {result.Target}, " +
                    $"seed {result.Seed}; each cell must be measured once (remove one of the two lines)");
            seen[key] = result.Source;
        }
        WarnOnDifferentRecipes(runs, warn);
        return runs;
    }

    /// <summary>Pooling is meant for runs of one recipe; cells of different recipes in one table get a word.</summary>
    private static void WarnOnDifferentRecipes(IReadOnlyList<RunDirectory> runs, Action<string> warn)
    {
        string[] recipe = ["backbone", "steps", "resolution", "batch", "lr"];
        var withOptions = runs.Where(run => run.Options.Count > 0).ToList();
        foreach (var key in recipe)
        {
            var values = withOptions
                .Select(run => (run.Path, Value: run.Options
                    .FirstOrDefault(o => o.Key == key || (key == "lr" && o.Key == "learning_rate")).Value))
                .Where(pair => pair.Value is not null)
                .ToList();
            if (values.Select(pair => pair.Value).Distinct().Count() > 1)
                warn($"the pooled runs differ in \"{key}\" " +
                     $"({string.Join(", ", values.Select(pair => $"{pair.Path}: {pair.Value}"))}); " +
                     "their cells are pooled into one table all the same");
        }
    }

    public static ResultRecord ParseResult(JsonElement line, SourceLine where) => new(
        Method: RequiredString(line, "method", where),
        Target: RequiredString(line, "target", where),
        Seed: RequiredInt(line, "seed", where),
        Accuracy: Fraction(RequiredDouble(line, "accuracy", where), "accuracy", where),
        ValAccuracy: OptionalDouble(line, "val_accuracy", where) is { } val
            ? Fraction(val, "val_accuracy", where)
            : null,
        Selection: OptionalString(line, "selection", where),
        Steps: OptionalInt(line, "steps", where),
        Seconds: OptionalDouble(line, "seconds", where),
        Chosen: OptionalString(line, "chosen", where),
        Source: where);

    public static StepRecord ParseStep(JsonElement line, SourceLine where) => new(
        Target: RequiredString(line, "target", where),
        Seed: RequiredInt(line, "seed", where),
        Training: RequiredString(line, "training", where),
        Step: RequiredInt(line, "step", where),
        Model: RequiredInt(line, "model", where),
        Domain: OptionalString(line, "domain", where),
        Loss: RequiredDouble(line, "loss", where),
        Accuracy: RequiredDouble(line, "accuracy", where),
        ImagesPerSecond: OptionalDouble(line, "img_per_s", where),
        ValAccuracy: OptionalDouble(line, "val_accuracy", where),
        Sae: Optional(line, "sae", where, JsonValueKind.Object) is { } sae ? ParseSae(sae, where) : null,
        Source: where);

    private static SaeRecord ParseSae(JsonElement sae, SourceLine where)
    {
        var thresholds = Optional(sae, "thresholds", where, JsonValueKind.Array) is { } array
            ? Numbers(array, "sae.thresholds", where)
            : [];
        var rows = Required(sae, "acceptance", where, JsonValueKind.Array).EnumerateArray()
            .Select(row => row.ValueKind == JsonValueKind.Array
                ? (IReadOnlyList<double>)Numbers(row, "sae.acceptance", where)
                : throw new InvalidDataException($"{where}: \"sae.acceptance\" holds {row.GetRawText()}, " +
                                                 "expected one array of numbers per model"))
            .ToList();
        if (rows.Any(row => row.Count != rows.Count))
            throw new InvalidDataException(
                $"{where}: \"sae.acceptance\" has rows of lengths [{string.Join(", ", rows.Select(r => r.Count))}], " +
                $"expected a square {rows.Count}×{rows.Count} matrix");
        return new SaeRecord(thresholds, rows);
    }

    private static List<double> Numbers(JsonElement array, string key, SourceLine where) =>
        array.EnumerateArray()
            .Select(item => item.ValueKind == JsonValueKind.Number
                ? item.GetDouble()
                : throw new InvalidDataException($"{where}: \"{key}\" holds {item.GetRawText()}, expected numbers"))
            .ToList();

    private static List<KeyValuePair<string, string>> ReadOptions(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException(
                    $"{path}: expected a JSON object of options, found {document.RootElement.ValueKind}");
            return document.RootElement.EnumerateObject()
                .Select(property => KeyValuePair.Create(property.Name, OptionText(property.Value)))
                .ToList();
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {exception.Message}", exception);
        }
    }

    private static string OptionText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Array => string.Join(",", value.EnumerateArray().Select(OptionText)),
        _ => value.GetRawText(),
    };
}
