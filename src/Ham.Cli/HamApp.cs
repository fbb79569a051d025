using Ham.Cli.Commands;
using Spectre.Console.Cli;

namespace Ham.Cli;

/// <summary>The `ham` command line, built in one place so that the tool and its tests run the same commands.</summary>
public static class HamApp
{
    /// <summary>
    /// The tool as users run it: errors end in <see cref="Log.Fail"/> (message on stderr, non-zero exit), or, with
    /// <paramref name="propagateExceptions"/>, reach the caller (for tests that assert on the exception).
    /// <paramref name="arguments"/>, the command line, lets an error name the option whose value was wrong.
    /// </summary>
    public static CommandApp Create(bool propagateExceptions = false, IReadOnlyList<string>? arguments = null)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("ham");
            if (propagateExceptions) config.PropagateExceptions();
            else config.SetExceptionHandler((exception, _) => Log.Fail(exception, arguments));
            AddCommands(config);
        });
        return app;
    }

    // One line per command; each command lives in Commands/<Name>Command.cs.
    private static void AddCommands(IConfigurator config)
    {
        config.AddCommand<ReportCommand>("report");
        config.AddCommand<DgCommand>("dg");
        config.AddCommand<DemoCommand>("demo");
        config.AddCommand<EncodeCommand>("encode");
        config.AddCommand<TokenizeCommand>("tokenize");
        config.AddCommand<MergeCommand>("merge");
    }
}
