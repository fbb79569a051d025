using System.Buffers.Binary;
using Ham.Cli.Commands;
using Ham.Cli.Reports;
using Snapshooter.Xunit;
using Spectre.Console.Cli;
using Xunit;

namespace Ham.Cli.Tests;

public sealed class ReportTests : IDisposable
{
    private readonly ReportFixture fixture = new();
    private readonly List<string> warnings = [];

    public void Dispose() => fixture.Dispose();

    private AccuracyTable Table(params string[] directories) =>
        AccuracyTable.From(RunReader.ReadAll(directories, warnings.Add).SelectMany(run => run.Results));

    private static AccuracyRow Row(AccuracyTable table, string method) => table.Rows.Single(r => r.Method == method);

    [Fact]
    public void Cells_are_mean_and_sample_std_over_seeds_in_percent()
    {
        var table = Table(fixture.RunA, fixture.RunB);

        Assert.Equal(["art_painting", "cartoon"], table.Targets);
        var erm = Row(table, "erm");
        Assert.Equal(81.0, erm.Cells[0]!.Mean, 9);
        Assert.Equal(Math.Sqrt(2), erm.Cells[0]!.Std!.Value, 9);
        Assert.Equal(73.0, erm.Cells[1]!.Mean, 9);
        Assert.Equal(Math.Sqrt(18), erm.Cells[1]!.Std!.Value, 9);
        Assert.Equal(77.0, erm.Average!.Value, 9);

        var ties = Row(table, "ties").Cells[1]!;
        Assert.Equal([0, 1, 2], ties.Seeds);
        Assert.Equal(73.0, ties.Mean, 9);
        Assert.Equal(Math.Sqrt(13), ties.Std!.Value, 9);
        Assert.Equal("73.0 ± 3.6", TableWriter.CellText(ties, withCount: false));
    }

    [Fact]
    public void Rows_follow_the_canonical_method_order_and_unknown_methods_come_last()
    {
        var table = Table(fixture.RunA, fixture.RunB);

        Assert.Equal(["zeroshot", "erm", "ties", "ham", "aaa-custom"], table.Rows.Select(r => r.Method));
        Assert.Equal(["erm", "ham", "ham-no-rhm", "a", "b"],
            AccuracyTable.OrderMethods(["b", "ham-no-rhm", "a", "ham", "erm"]));
    }

    [Fact]
    public void A_cell_that_was_not_measured_stays_empty_and_its_row_has_no_average()
    {
        var table = Table(fixture.RunA, fixture.RunB);
        var markdown = TableWriter.Markdown(table, []);

        var zeroshot = Row(table, "zeroshot");
        Assert.Null(zeroshot.Cells[1]);
        Assert.Null(zeroshot.Average);
        Assert.Contains("| zeroshot | 50.0 | — | — | 1 |", markdown);
        Assert.Contains("| aaa-custom | 60.0 | — | — | 1 |", markdown);
    }

    [Fact]
    public void One_seed_shows_no_std_and_differing_seed_counts_are_shown_per_cell()
    {
        var markdown = TableWriter.Markdown(Table(fixture.RunA, fixture.RunB), []);

        Assert.Contains("| erm | 81.0 ± 1.4 | 73.0 ± 4.2 | 77.0 | 2 |", markdown);
        Assert.Contains("| ham | 86.0 ± 1.4 (n=2) | 75.0 (n=1) | 80.5 | 1–2 |", markdown);
        Assert.Contains("| ties | 79.0 (n=1) | 73.0 ± 3.6 (n=3) | 76.0 | 1–3 |", markdown);
        Assert.Contains("without ±", markdown);
    }

    [Fact]
    public void The_selection_rules_are_named_under_the_table()
    {
        var markdown = TableWriter.Markdown(Table(fixture.RunA), []);
        var single = TableWriter.Markdown(Table(fixture.RunB), []);

        Assert.Contains("Model selection:\n- zeroshot: none (pretrained weights)\n" +
                        "- erm, ham: best step by source validation accuracy\n", markdown.ReplaceLineEndings("\n"));
        Assert.Contains("Model selection: best step by source validation accuracy.", single);
    }

    [Fact]
    public void Several_directories_are_pooled()
    {
        var onlyA = Table(fixture.RunA);
        var pooled = Table(fixture.RunA, fixture.RunB);

        Assert.DoesNotContain(onlyA.Rows, r => r.Method == "ties");
        Assert.Equal(onlyA.Rows.Count + 2, pooled.Rows.Count);
        Assert.Equal(Row(onlyA, "erm"), Row(pooled, "erm"), new RowComparer());
    }

    [Fact]
    public void Pooling_runs_of_different_recipes_warns_naming_the_option()
    {
        Table(fixture.RunA, fixture.RunB);
        Assert.DoesNotContain(warnings, w => w.Contains("differ"));
        File.WriteAllText(Path.Combine(fixture.RunB, "options.json"), """{"steps": 500, "resolution": 64}""");

        Table(fixture.RunA, fixture.RunB);

        var warning = Assert.Single(warnings, w => w.Contains("differ"));
        Assert.Contains("\"steps\"", warning);
        Assert.Contains($"{fixture.RunB}: 500", warning);
    }

    [Fact]
    public void The_same_cell_in_two_directories_is_an_error_naming_both_files()
    {
        ReportFixture.WriteLines(Path.Combine(fixture.RunB, "results.jsonl"),
            ReportFixture.Result("ties", "cartoon", 0, 0.70),
            ReportFixture.Result("erm", "cartoon", 1, 0.71));

        var error = Assert.Throws<InvalidDataException>(() => Table(fixture.RunA, fixture.RunB));

        Assert.Contains(Path.Combine(fixture.RunA, "results.jsonl") + ":8", error.Message);
        Assert.Contains(Path.Combine(fixture.RunB, "results.jsonl") + ":2", error.Message);
        Assert.Contains("method erm, target cartoon, seed 1", error.Message);
    }

    [Fact]
    public void A_directory_given_twice_is_an_argument_error()
    {
        var error = Assert.Throws<ArgumentException>(() => Table(fixture.RunA, fixture.RunA + "/"));

        Assert.Contains($"run directory {fixture.RunA} is given 2 times", error.Message);
    }

    [Fact]
    public void A_malformed_line_is_an_error_naming_file_and_line()
    {
        var path = Path.Combine(fixture.RunB, "results.jsonl");
        ReportFixture.WriteLines(path,
            ReportFixture.Result("ties", "cartoon", 0, 0.70),
            """{"method": "ties", "target": """,
            ReportFixture.Result("ties", "cartoon", 1, 0.71));

        var error = Assert.Throws<InvalidDataException>(() => Table(fixture.RunB));

        Assert.StartsWith($"{path}:2: not a valid JSON line", error.Message);
    }

    [Fact]
    public void A_malformed_last_line_that_ends_with_a_newline_is_an_error_too()
    {
        var path = Path.Combine(fixture.RunB, "results.jsonl");
        ReportFixture.WriteLines(path, ReportFixture.Result("ties", "cartoon", 0, 0.70), "{\"method\": ");

        var error = Assert.Throws<InvalidDataException>(() => Table(fixture.RunB));

        Assert.StartsWith($"{path}:2:", error.Message);
    }

    [Fact]
    public void A_truncated_last_line_without_newline_is_skipped_with_a_warning()
    {
        var path = Path.Combine(fixture.RunB, "results.jsonl");
        File.WriteAllText(path, ReportFixture.Result("ties", "cartoon", 0, 0.70) + "\n{\"method\": \"ties\", \"tar");

        var table = Table(fixture.RunB);

        Assert.Equal(70.0, Row(table, "ties").Cells.Single()!.Mean, 9);
        Assert.Contains(warnings, w => w.StartsWith($"{path}:2: skipped the truncated last line"));
        var log = Path.Combine(fixture.RunA, "log.jsonl");
        RunReader.Read(fixture.RunA, warnings.Add);
        Assert.Contains(warnings, w => w.StartsWith($"{log}:10: skipped the truncated last line"));
    }

    [Theory]
    [InlineData("""{"method": "erm", "target": "photo", "seed": 0, "accuracy": 81.5}""", "\"accuracy\" is 81.5")]
    [InlineData("""{"method": "erm", "target": "photo", "accuracy": 0.8}""", "missing \"seed\"")]
    [InlineData("""{"method": "erm", "target": "photo", "seed": 0.5, "accuracy": 0.8}""", "\"seed\" is 0.5")]
    [InlineData("""{"method": 3, "target": "photo", "seed": 0, "accuracy": 0.8}""", "\"method\" is 3")]
    [InlineData("""[1, 2]""", "expected a JSON object")]
    public void A_bad_result_field_is_an_error_naming_file_line_and_key(string line, string expected)
    {
        var path = Path.Combine(fixture.RunB, "results.jsonl");
        ReportFixture.WriteLines(path, ReportFixture.Result("ties", "cartoon", 0, 0.70), line);

        var error = Assert.Throws<InvalidDataException>(() => Table(fixture.RunB));

        Assert.StartsWith($"{path}:2: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_non_square_acceptance_matrix_is_an_error()
    {
        var path = Path.Combine(fixture.RunB, "log.jsonl");
        ReportFixture.WriteLines(path, """
            {"target": "photo", "seed": 0, "training": "ham", "step": 1, "model": 0, "domain": "sketch",
             "loss": 1, "accuracy": 0.5, "sae": {"thresholds": [0.5], "acceptance": [[1, 0.2], [0.3]]}}
            """.ReplaceLineEndings(""));

        var error = Assert.Throws<InvalidDataException>(() => RunReader.Read(fixture.RunB, warnings.Add));

        Assert.StartsWith($"{path}:1: ", error.Message);
        Assert.Contains("square 2×2", error.Message);
    }

    [Fact]
    public void A_directory_without_run_files_is_a_file_not_found_error()
    {
        var empty = Path.Combine(fixture.Root, "empty");
        Directory.CreateDirectory(empty);

        var error = Assert.Throws<FileNotFoundException>(() => RunReader.Read(empty, warnings.Add));

        Assert.Contains(empty, error.Message);
    }

    [Fact]
    public void A_resumed_run_that_logged_a_step_twice_keeps_the_later_line()
    {
        var steps = RunReader.Read(fixture.RunA, warnings.Add).Steps;
        var repeated = steps[0] with { Loss = 9.5, Source = steps[0].Source with { Line = 99 } };

        var kept = ReportPlots.LastPerStep(steps.Append(repeated)).ToList();

        Assert.Equal(steps.Count, kept.Count);
        Assert.Equal(9.5, kept.Single(s => s.Training == "erm" && s.Step == 0).Loss);
    }

    [Fact]
    public void Write_produces_every_table_and_figure_as_decodable_png()
    {
        var output = Path.Combine(fixture.Root, "out");

        var report = Report.Write([fixture.RunA, fixture.RunB], output, warnings.Add);

        string[] expected =
        [
            "accuracy.md", "accuracy.csv", "results.csv", "accuracy.png",
            "curves-art_painting-seed0.png", "sae-art_painting-seed0-ham.png",
        ];
        Assert.Equal(expected.Select(name => Path.Combine(output, name)), report.Files);
        Assert.Equal(report.Markdown, File.ReadAllText(Path.Combine(output, "accuracy.md")));
        Assert.Empty(Directory.GetFiles(output, "*.tmp", SearchOption.AllDirectories));
        foreach (var (name, width, height) in new[]
                 {
                     ("accuracy.png", 1200, 600), ("curves-art_painting-seed0.png", 1400, 640),
                     ("sae-art_painting-seed0-ham.png", 760, 640),
                 })
        {
            var bytes = File.ReadAllBytes(Path.Combine(output, name));
            Assert.Equal((width, height), PngSize(bytes));
            using var image = new ScottPlot.Image(bytes);
            Assert.Equal(width, image.Width);
            Assert.True(image.GetArrayGrayscale().Cast<byte>().Distinct().Count() > 16, $"{name} looks blank");
        }
    }

    [Fact]
    public void A_run_without_results_yet_gets_an_empty_table_and_its_curves()
    {
        File.Delete(Path.Combine(fixture.RunA, "results.jsonl"));
        var output = Path.Combine(fixture.Root, "out");

        var report = Report.Write([fixture.RunA], output, warnings.Add);

        Assert.Contains("no cell has finished yet", report.Markdown);
        Assert.DoesNotContain(report.Files, f => f.EndsWith("accuracy.png"));
        Assert.Contains(report.Files, f => f.EndsWith("curves-art_painting-seed0.png"));
        Assert.Contains(warnings, w => w.Contains("results.jsonl is missing"));
    }

    [Fact]
    public void The_csv_tables_parse_with_one_row_per_method_and_empty_unmeasured_fields()
    {
        var output = Path.Combine(fixture.Root, "out");
        Report.Write([fixture.RunA, fixture.RunB], output, warnings.Add);

        var table = ParseCsv(File.ReadAllText(Path.Combine(output, "accuracy.csv")));
        Assert.Equal(["method", "seeds_min", "seeds_max", "art_painting_mean", "art_painting_std",
            "art_painting_seeds", "cartoon_mean", "cartoon_std", "cartoon_seeds", "average_mean"], table[0]);
        Assert.All(table, row => Assert.Equal(table[0].Count, row.Count));
        Assert.Equal(["zeroshot", "erm", "ties", "ham", "aaa-custom"], table.Skip(1).Select(row => row[0]));
        Assert.Equal(["erm", "2", "2", "81", "1.4142", "2", "73", "4.2426", "2", "77"], table[2]);
        Assert.Equal(["zeroshot", "1", "1", "50", "", "1", "", "", "", ""], table[1]);

        var results = ParseCsv(File.ReadAllText(Path.Combine(output, "results.csv")));
        Assert.Equal(1 + 8 + 5, results.Count);
        Assert.Equal("none (pretrained weights)", results.Single(r => r[0] == "zeroshot")[5]);
        Assert.Equal("chosen", results[0][8]);
        Assert.Equal("λ = 1, d = 0.2", results.First(r => r[0] == "ties")[8]);
        Assert.Equal("", results.First(r => r[0] == "erm")[8]);
    }

    [Fact]
    public void Markdown_table_matches_snapshot()
    {
        var output = Path.Combine(fixture.Root, "out");

        var report = Report.Write([fixture.RunA, fixture.RunB], output, warnings.Add);

        Snapshot.Match(report.Markdown);
    }

    [Fact]
    public void The_report_command_writes_into_the_first_directory_by_default()
    {
        var exitCode = HamApp.Create(propagateExceptions: true).Run(["report", fixture.RunA, fixture.RunB]);

        Assert.Equal(0, exitCode);
        Assert.True(new FileInfo(Path.Combine(fixture.RunA, "report", "accuracy.png")).Length > 0);
        Assert.Contains("| ties |", File.ReadAllText(Path.Combine(fixture.RunA, "report", "accuracy.md")));
    }

    /// <summary>Width and height from the IHDR chunk, after checking the 8-byte PNG signature.</summary>
    private static (int Width, int Height) PngSize(byte[] png)
    {
        byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.True(png.Length > 33, $"a PNG of {png.Length} bytes is too short");
        Assert.Equal(signature, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        var width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16));
        var height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
        return (width, height);
    }

    /// <summary>RFC 4180: fields separated by commas, quoted where they hold a comma, quote or newline.</summary>
    private static List<List<string>> ParseCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') field.Append(text[++i]);
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n')
            {
                row.Add(field.ToString());
                field.Clear();
                rows.Add(row);
                row = [];
            }
            else field.Append(c);
        }
        Assert.False(quoted, "unterminated quoted field");
        Assert.Empty(row);
        return rows;
    }

    private sealed class RowComparer : IEqualityComparer<AccuracyRow>
    {
        public bool Equals(AccuracyRow? x, AccuracyRow? y) =>
            x is not null && y is not null && x.Method == y.Method && x.Average == y.Average &&
            x.Cells.Zip(y.Cells).All(pair => pair.First?.Percents.SequenceEqual(pair.Second?.Percents ?? []) ??
                                             pair.Second is null);

        public int GetHashCode(AccuracyRow row) => row.Method.GetHashCode();
    }
}
