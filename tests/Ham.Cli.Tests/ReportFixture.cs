using System.Globalization;
using static System.FormattableString;

namespace Ham.Cli.Tests;

/// <summary>
/// Two small hand-written run directories, runA and runB, in a temporary folder. The numbers are chosen so that the
/// table can be checked by hand:
/// erm art_painting 80, 82 → 81.0 ± 1.4; erm cartoon 70, 76 → 73.0 ± 4.2; erm average 77.0;
/// ham art_painting 85, 87 → 86.0 ± 1.4; ham cartoon 75 (one seed); ham average 80.5;
/// ties (runB) cartoon 70, 72, 77 → 73.0 ± 3.6, art_painting 79 (one seed); zeroshot art_painting 50, cartoon not
/// measured; aaa-custom (runB, a method the canonical order does not know) art_painting 60.
/// </summary>
public sealed class ReportFixture : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"ham-report-tests-{Guid.NewGuid():N}");

    public string RunA => Path.Combine(Root, "runA");

    public string RunB => Path.Combine(Root, "runB");

    public ReportFixture()
    {
        Directory.CreateDirectory(RunA);
        Directory.CreateDirectory(RunB);
        File.WriteAllText(Path.Combine(RunA, "options.json"), """
            {"data": "/data/pacs/", "steps": 3, "resolution": 64, "batch": 4, "lr": 5e-05, "backbone": "resnet18",
             "methods": ["zeroshot", "erm", "ham"], "targets": ["art_painting", "cartoon"], "seeds": [0, 1],
             "something_new": {"nested": true}}
            """);
        File.WriteAllText(Path.Combine(RunB, "options.json"), """
            {"data": "/data/pacs", "steps": 3, "resolution": 64, "batch": 4, "learning_rate": 5e-05,
             "backbone": "resnet18", "methods": ["ties", "aaa-custom"], "targets": ["art_painting", "cartoon"],
             "seeds": [0, 1, 2]}
            """);

        // Lines out of order on purpose; "extra" is a field the reader does not know.
        WriteLines(Path.Combine(RunA, "results.jsonl"),
            Result("ham", "cartoon", 0, 0.75),
            Result("erm", "art_painting", 1, 0.82),
            Result("zeroshot", "art_painting", 0, 0.50, selection: "none (pretrained weights)"),
            Result("erm", "cartoon", 0, 0.70),
            Result("ham", "art_painting", 1, 0.87),
            Result("erm", "art_painting", 0, 0.80),
            Result("ham", "art_painting", 0, 0.85),
            Result("erm", "cartoon", 1, 0.76));
        WriteLines(Path.Combine(RunB, "results.jsonl"),
            Result("ties", "cartoon", 2, 0.77),
            Result("aaa-custom", "art_painting", 0, 0.60),
            Result("ties", "cartoon", 0, 0.70),
            Result("ties", "art_painting", 0, 0.79),
            Result("ties", "cartoon", 1, 0.72));

        // A killed run: the log's last line is cut off without its newline.
        var log = new List<string>();
        for (var step = 0; step < 3; step++)
        {
            log.Add(Step("erm", step, -1, null, 2.0 - step * 0.5, 0.4 + 0.1 * step, step == 2 ? 0.6 : null, null));
            for (var model = 0; model < 2; model++)
            {
                var domain = model == 0 ? "cartoon" : "photo";
                var sae = step == 0
                    ? null
                    : $$"""{"thresholds": [0.5, 0.6], "acceptance": [[1.0, {{N(0.1 * step)}}], [0.3, 0.9]]}""";
                log.Add(Step("ham", step, model, domain, 1.8 - step * 0.4 - model * 0.1, 0.5 + 0.1 * step,
                    step == 2 ? 0.7 : null, sae));
            }
        }
        File.WriteAllText(Path.Combine(RunA, "log.jsonl"),
            string.Join("\n", log) + "\n" + """{"target": "art_painting", "seed": 0, "trai""");
    }

    public static string Result(string method, string target, int seed, double accuracy,
        string selection = "best step by source validation accuracy") =>
        Invariant($"{{\"method\": \"{method}\", \"target\": \"{target}\", \"seed\": {seed}, ") +
        (method == "ties" ? "\"chosen\": \"λ = 1, d = 0.2\", " : "") +
        Invariant($"\"accuracy\": {accuracy}, \"val_accuracy\": 0.9, \"selection\": \"{selection}\", ") +
        "\"steps\": 3, \"seconds\": 30, \"extra\": [1, 2]}";

    private static string Step(string training, int step, int model, string? domain, double loss, double accuracy,
        double? valAccuracy, string? sae) =>
        Invariant($"{{\"target\": \"art_painting\", \"seed\": 0, \"training\": \"{training}\", ") +
        Invariant($"\"step\": {step}, \"model\": {model}, ") +
        (domain is null ? "\"domain\": null, " : $"\"domain\": \"{domain}\", ") +
        Invariant($"\"loss\": {loss}, \"accuracy\": {accuracy}, \"img_per_s\": 100.5") +
        (valAccuracy is { } val ? Invariant($", \"val_accuracy\": {val}") : "") +
        (sae is null ? "" : $", \"sae\": {sae}, \"opa\": {Opa}") +
        "}";

    private const string Opa = "{\"conflicts\": {\"conv1\": 2}, \"mean_cosine\": 0.1}";

    private static string N(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static void WriteLines(string path, params string[] lines) =>
        File.WriteAllText(path, string.Join("\n", lines) + "\n");

    public void Dispose()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}
