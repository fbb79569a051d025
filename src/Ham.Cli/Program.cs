using Ham.Cli;
using Ham.Cli.Commands;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("ham");
    config.SetExceptionHandler((exception, _) => Log.Fail(exception));
    // One line per command; each command lives in Commands/<Name>Command.cs.
    config.AddCommand<ReportCommand>("report");
    config.AddCommand<DgCommand>("dg");
    config.AddCommand<DemoCommand>("demo");
    config.AddCommand<EncodeCommand>("encode");
    config.AddCommand<TokenizeCommand>("tokenize");
    config.AddCommand<MergeCommand>("merge");
});
return app.Run(args);
