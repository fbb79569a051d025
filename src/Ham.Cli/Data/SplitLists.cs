using System.Globalization;

namespace Ham.Cli.Data;

/// <summary>Train / validation / test splits: the official PACS lists, or a seeded random split per domain.</summary>
public static class SplitLists
{
    /// <summary>Most problems listed in one error message; the rest are counted.</summary>
    public const int MaxListedProblems = 50;

    private static readonly string[] Kinds = ["train", "crossval", "test"];

    /// <summary>
    /// Reads the official lists <c>&lt;domain&gt;_{train,crossval,test}_kfold.txt</c> from <paramref name="splitsDir"/>
    /// (lines <c>&lt;domain&gt;/&lt;class&gt;/&lt;file&gt; &lt;label&gt;</c>, labels 1-based in class order) for every
    /// domain of <paramref name="data"/>. train and crossval are required; a missing test list means the whole
    /// domain. Every bad line (malformed, file not in the data set, another domain's file, label out of range or
    /// disagreeing with the class folder, duplicate, in both train and crossval) is collected and reported together,
    /// with file:line, in one InvalidDataException.
    /// </summary>
    public static DataSplits Load(string splitsDir, DomainDataset data)
    {
        var folder = Path.GetFullPath(splitsDir);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"splits folder not found: {folder}");

        var indexOfPath = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < data.Items.Count; i++) indexOfPath[data.Items[i].RelativePath] = i;

        var problems = new List<string>();
        var splits = new List<DomainSplit>();
        for (var d = 0; d < data.Domains.Count; d++)
        {
            var lists = new Dictionary<string, List<(int Index, int Line)>>();
            foreach (var kind in Kinds)
            {
                var path = Path.Combine(folder, $"{data.Domains[d]}_{kind}_kfold.txt");
                if (!File.Exists(path))
                {
                    if (kind != "test") problems.Add($"{path}: missing (needed for domain {data.Domains[d]})");
                    continue;
                }
                lists[kind] = ReadList(path, d, data, indexOfPath, problems);
            }

            var train = lists.GetValueOrDefault("train") ?? [];
            var validation = lists.GetValueOrDefault("crossval") ?? [];
            var trainLines = train.ToDictionary(e => e.Index, e => e.Line);
            var trainFile = Path.Combine(folder, $"{data.Domains[d]}_train_kfold.txt");
            var validationFile = Path.Combine(folder, $"{data.Domains[d]}_crossval_kfold.txt");
            foreach (var (index, line) in validation)
            {
                if (trainLines.TryGetValue(index, out var trainLine))
                    problems.Add($"{validationFile}:{line}: {data.Items[index].RelativePath} is also in the train " +
                                 $"list ({trainFile}:{trainLine}); train and validation must not overlap");
            }

            var test = lists.TryGetValue("test", out var testList)
                ? testList.Select(e => e.Index).ToList()
                : data.IndicesOfDomain(d).ToList();
            splits.Add(new DomainSplit(train.Select(e => e.Index).ToList(), validation.Select(e => e.Index).ToList(),
                test));
        }

        if (problems.Count > 0)
        {
            var listed = string.Join("\n", problems.Take(MaxListedProblems));
            var more = problems.Count > MaxListedProblems ? $"\n... and {problems.Count - MaxListedProblems} more" : "";
            throw new InvalidDataException(
                $"{problems.Count} bad split line(s) in {folder} (data set {data.Root}):\n{listed}{more}");
        }
        return new DataSplits(splits, $"official lists in {folder}");
    }

    private static List<(int Index, int Line)> ReadList(string path, int domain, DomainDataset data,
        Dictionary<string, int> indexOfPath, List<string> problems)
    {
        var entries = new List<(int Index, int Line)>();
        var firstLine = new Dictionary<int, int>();
        var lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var text = raw.Trim();
            if (text.Length == 0) continue;
            var where = $"{path}:{lineNumber}";

            var space = text.LastIndexOfAny([' ', '\t']);
            if (space < 0 || !int.TryParse(text[(space + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture,
                    out var label))
            {
                problems.Add($"{where}: expected '<domain>/<class>/<file> <label>', found '{text}'");
                continue;
            }
            var relative = text[..space].Trim().Replace('\\', '/');
            if (!indexOfPath.TryGetValue(relative, out var index))
            {
                problems.Add($"{where}: {relative} is not an image of the data set (no file {data.Root}/{relative})");
                continue;
            }
            var item = data.Items[index];
            if (item.Domain != domain)
            {
                problems.Add($"{where}: {relative} belongs to domain {data.Domains[item.Domain]}, " +
                             $"not to this list's domain {data.Domains[domain]}");
                continue;
            }
            if (label < 1 || label > data.Classes.Count)
            {
                problems.Add($"{where}: label {label} is out of range 1..{data.Classes.Count}");
                continue;
            }
            if (label - 1 != item.Label)
            {
                problems.Add($"{where}: label {label} ({data.Classes[label - 1]}) disagrees with the folder of " +
                             $"{relative} (class {data.Classes[item.Label]}, label {item.Label + 1})");
                continue;
            }
            if (firstLine.TryGetValue(index, out var first))
            {
                problems.Add($"{where}: {relative} is listed twice (first at line {first})");
                continue;
            }
            firstLine[index] = lineNumber;
            entries.Add((index, lineNumber));
        }
        return entries;
    }

    /// <summary>
    /// DomainBed's split: per domain, a seeded shuffle holds out ⌊<paramref name="holdout"/>·N⌋ images as
    /// validation and trains on the rest; the test list of a domain is the whole domain. Index lists are sorted
    /// ascending.
    /// </summary>
    public static DataSplits Random(DomainDataset data, int seed, double holdout = 0.2)
    {
        if (!(holdout > 0 && holdout < 1))
            throw new ArgumentOutOfRangeException(nameof(holdout), $"holdout {holdout} must be in (0, 1)");

        var splits = new List<DomainSplit>();
        for (var d = 0; d < data.Domains.Count; d++)
        {
            var indices = data.IndicesOfDomain(d).ToArray();
            var shuffled = indices.ToArray();
            new System.Random(unchecked(seed * 1_000_003 + d)).Shuffle(shuffled);
            var held = (int)Math.Floor(holdout * shuffled.Length);
            var validation = shuffled[..held].Order().ToList();
            var train = shuffled[held..].Order().ToList();
            splits.Add(new DomainSplit(train, validation, indices.ToList()));
        }
        return new DataSplits(splits, string.Create(CultureInfo.InvariantCulture,
            $"random {100 * (1 - holdout):F0}/{100 * holdout:F0} per domain, seed {seed}"));
    }
}
