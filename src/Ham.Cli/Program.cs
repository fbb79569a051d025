using Ham.Cli;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("ham");
    config.SetExceptionHandler((exception, _) => Log.Fail(exception));
    // One line per command; each command lives in Commands/<Name>Command.cs.
    config.AddCommand<Ham.Cli.Commands.ReportCommand>("report");
    config.AddCommand<Ham.Cli.Commands.DgCommand>("dg");
    config.AddCommand<Ham.Cli.Commands.DemoCommand>("demo");
    config.AddCommand<Ham.Cli.Commands.EncodeCommand>("encode");
    config.AddCommand<Ham.Cli.Commands.TokenizeCommand>("tokenize");
    config.AddCommand<Ham.Cli.Commands.MergeCommand>("merge");
});
return app.Run(args);
