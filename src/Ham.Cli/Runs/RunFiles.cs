using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Ham.Cli.Training;
using Ham.Model.IO;

namespace Ham.Cli.Runs;

/// <summary>
/// A run directory: options.json (the resolved options), log.jsonl (one line per model and step), results.jsonl
/// (one line per finished method, target and seed) and checkpoints/. Every whole file is written atomically; the log
/// grows by whole lines.
/// </summary>
public sealed class RunFiles
{
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private static readonly JsonSerializerOptions Indented = new(Json) { WriteIndented = true };
    private readonly object gate = new();

    public RunFiles(string directory)
    {
        Directory = Path.GetFullPath(directory);
    }

    public string Directory { get; }

    public string OptionsPath => Path.Combine(Directory, "options.json");

    public string LogPath => Path.Combine(Directory, "log.jsonl");

    public string ResultsPath => Path.Combine(Directory, "results.jsonl");

    public string Checkpoints => Path.Combine(Directory, "checkpoints");

    /// <summary>The checkpoint folder of one training of one cell.</summary>
    public string TrainingFolder(string target, int seed, string training) =>
        Path.Combine(Checkpoints, $"{target}-seed{seed}", training);

    public void WriteOptions(DgOptions options) =>
        AtomicFile.WriteAllText(OptionsPath, JsonSerializer.Serialize(options, Indented) + "\n");

    public DgOptions ReadOptions()
    {
        if (!File.Exists(OptionsPath))
            throw new FileNotFoundException($"--resume: {OptionsPath} not found; is this a ham dg run directory?",
                OptionsPath);
        try
        {
            return JsonSerializer.Deserialize<DgOptions>(File.ReadAllText(OptionsPath), Json)
                   ?? throw new InvalidDataException($"{OptionsPath}: empty options");
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"{OptionsPath}: not valid options: {exception.Message}", exception);
        }
    }

    /// <summary>
    /// Before a run writes its options: throws when the directory already holds a run with other options, naming
    /// each option that differs, so that no result, log line or checkpoint of one recipe is mixed with, or trimmed
    /// by, another's. The same options (threads and device aside, which --resume may change too) continue the run.
    /// </summary>
    public void RequireSameRecipe(DgOptions options)
    {
        if (!File.Exists(OptionsPath)) return;
        var saved = Recipe(ReadOptions());
        var wanted = Recipe(options);
        var differing = saved.Select(p => p.Key).Union(wanted.Select(p => p.Key))
            .Where(key => !JsonNode.DeepEquals(saved[key], wanted[key]))
            .Select(key => $"{key}: {Text(saved[key])} there, {Text(wanted[key])} now")
            .ToList();
        if (differing.Count == 0) return;
        throw new ArgumentException(
            $"{Directory} already holds a run with other options ({string.Join("; ", differing)}); continue it " +
            $"with: ham dg --resume {Directory}, or give another --out");

        static JsonObject Recipe(DgOptions options) =>
            JsonSerializer.SerializeToNode(options with { Threads = 0, Device = "cpu" }, Json)!.AsObject();

        static string Text(JsonNode? value) => value?.ToJsonString() ?? "none";
    }

    /// <summary>Appends whole lines, in one write, flushed.</summary>
    public void AppendLog(IEnumerable<LogLine> lines)
    {
        var text = new StringBuilder();
        foreach (var line in lines) text.Append(JsonSerializer.Serialize(line, Json)).Append('\n');
        if (text.Length == 0) return;
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        lock (gate)
        {
            System.IO.Directory.CreateDirectory(Directory);
            using var stream = new FileStream(LogPath, FileMode.Append, FileAccess.Write, FileShare.Read);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
    }

    /// <summary>
    /// Before a training resumes from step <paramref name="step"/>: drops its log lines after that step (and a
    /// truncated last line a killed writer left), so that the log equals an uninterrupted run's.
    /// </summary>
    public void TrimLog(string target, int seed, string training, int step)
    {
        if (!File.Exists(LogPath)) return;
        var kept = new StringBuilder();
        var changed = false;
        foreach (var line in File.ReadAllText(LogPath, Encoding.UTF8).Split('\n'))
        {
            if (line.Length == 0) continue;
            LogLine? record = null;
            try { record = JsonSerializer.Deserialize<LogLine>(line, Json); }
            catch (JsonException) { }
            var drop = record is null || (record.Target == target && record.Seed == seed
                                          && record.Training == training && record.Step > step);
            if (drop) { changed = true; continue; }
            kept.Append(line).Append('\n');
        }
        if (changed) lock (gate) AtomicFile.WriteAllText(LogPath, kept.ToString());
    }

    public List<ResultLine> ReadResults()
    {
        if (!File.Exists(ResultsPath)) return [];
        var results = new List<ResultLine>();
        var number = 0;
        foreach (var line in File.ReadAllLines(ResultsPath, Encoding.UTF8))
        {
            number++;
            if (line.Trim().Length == 0) continue;
            try
            {
                results.Add(JsonSerializer.Deserialize<ResultLine>(line, Json)
                            ?? throw new InvalidDataException($"{ResultsPath}:{number}: empty line"));
            }
            catch (JsonException exception)
            {
                throw new InvalidDataException($"{ResultsPath}:{number}: not a result line: {exception.Message}",
                    exception);
            }
        }
        return results;
    }

    /// <summary>Adds one result; the whole file is rewritten atomically.</summary>
    public void AppendResult(ResultLine result)
    {
        lock (gate)
        {
            var lines = ReadResults();
            lines.Add(result);
            var text = new StringBuilder();
            foreach (var line in lines) text.Append(JsonSerializer.Serialize(line, Json)).Append('\n');
            AtomicFile.WriteAllText(ResultsPath, text.ToString());
        }
    }
}
