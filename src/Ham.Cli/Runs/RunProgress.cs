using System.Diagnostics;
using Spectre.Console;

namespace Ham.Cli.Runs;

/// <summary>Progress of one long task (a training, a decode): a bar with img/s and time left on a terminal, a
/// plain line every so often otherwise.</summary>
public interface IProgressTask : IDisposable
{
    /// <summary>Work done so far (of the total given at the start), the current rate and a short status.</summary>
    void Report(double done, double imagesPerSecond, string status);
}

/// <summary>Makes progress tasks; one per run.</summary>
public interface IRunProgress
{
    IProgressTask Start(string description, double total);
}

/// <summary>Plain lines through <see cref="Log"/>: at most one per <paramref name="interval"/> per task, and the
/// last one.</summary>
public sealed class PlainProgress(TimeSpan interval) : IRunProgress
{
    public IProgressTask Start(string description, double total) => new Task(description, total, interval);

    private sealed class Task(string description, double total, TimeSpan interval) : IProgressTask
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private TimeSpan lastLine = TimeSpan.FromDays(-1);

        public void Report(double done, double imagesPerSecond, string status)
        {
            if (clock.Elapsed - lastLine < interval && done < total) return;
            lastLine = clock.Elapsed;
            var left = done > 0
                ? TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds * (total - done) / done)
                : (TimeSpan?)null;
            Log.Info($"{description}: {done:0}/{total:0}, {imagesPerSecond:0.0} img/s" +
                     (left is { } l ? $", {Format(l)} left" : "") + (status.Length > 0 ? $", {status}" : ""));
        }

        public void Dispose() { }
    }

    public static string Format(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{(int)span.TotalHours}h{span.Minutes:00}m" : $"{span.Minutes}m{span.Seconds:00}s";
}

/// <summary>Spectre.Console progress bars; valid inside <see cref="Run"/>.</summary>
public sealed class TerminalProgress : IRunProgress
{
    private readonly ProgressContext context;

    private TerminalProgress(ProgressContext context) => this.context = context;

    /// <summary>Runs <paramref name="work"/> with bars drawn on the terminal.</summary>
    public static T Run<T>(Func<IRunProgress, T> work) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(),
                new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context => work(new TerminalProgress(context)));

    public IProgressTask Start(string description, double total) =>
        new Task(context.AddTask(Markup.Escape(description), maxValue: total), description);

    private sealed class Task(ProgressTask task, string description) : IProgressTask
    {
        public void Report(double done, double imagesPerSecond, string status)
        {
            task.Value = done;
            task.Description = Markup.Escape($"{description} {imagesPerSecond:0} img/s {status}");
        }

        public void Dispose() => task.StopTask();
    }
}
