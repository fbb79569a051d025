using System.ComponentModel;
using Ham.Cli.Reports;
using Spectre.Console.Cli;

namespace Ham.Cli.Commands;

/// <summary><c>ham report DIR... [--out OUTDIR]</c>: tables and figures from <c>ham dg</c> run directories.</summary>
[Description("Accuracy tables (Markdown, CSV) and figures (PNG) from the run directories of `ham dg`")]
public sealed class ReportCommand : Command<ReportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<DIR>")]
        [Description("Run directories written by `ham dg`; several are pooled (a cell given twice is an error).")]
        public string[] Directories { get; init; } = [];

        [CommandOption("--out <OUTDIR>")]
        [Description("Where the tables and figures go (default: DIR/report of the first DIR).")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var output = settings.Out ?? Report.DefaultOutput(settings.Directories);
        var report = Report.Write(settings.Directories, output, Log.Warn);
        Log.Info(report.Markdown);
        Log.Info($"wrote {report.Files.Count} files to {output}");
        return 0;
    }
}
