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
    /// <summary>A task of <paramref name="total"/> units of which <paramref name="start"/> were done before (a
    /// resumed training): the time left is estimated from the work done since the start only.</summary>
    IProgressTask Start(string description, double total, double start = 0);
}

/// <summary>Plain lines through <see cref="Log"/>: at most one per <paramref name="interval"/> per task, and the
/// last one.</summary>
public sealed class PlainProgress(TimeSpan interval) : IRunProgress
{
    public IProgressTask Start(string description, double total, double start = 0) =>
        new Task(description, total, start, interval);

    private sealed class Task(string description, double total, double start, TimeSpan interval) : IProgressTask
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private TimeSpan lastLine = TimeSpan.FromDays(-1);

        public void Report(double done, double imagesPerSecond, string status)
        {
            if (clock.Elapsed - lastLine < interval && done < total) return;
            lastLine = clock.Elapsed;
            var left = TimeLeft(done, total, start, clock.Elapsed);
            Log.Info($"{description}: {done:0}/{total:0}, {imagesPerSecond:0.0} img/s" +
                     (left is { } l ? $", {Format(l)} left" : "") + (status.Length > 0 ? $", {status}" : ""));
        }

        public void Dispose() { }
    }

    /// <summary>The time left at the rate of the work done since the task started; none before any.</summary>
    public static TimeSpan? TimeLeft(double done, double total, double start, TimeSpan elapsed) =>
        done > start ? elapsed * ((total - done) / (done - start)) : null;

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

    // Spectre's time left comes from the increments of the last 30 s, so a resumed task's jump to its start value
    // skews the estimate for 30 s at most.
    public IProgressTask Start(string description, double total, double start = 0)
    {
        var task = context.AddTask(Markup.Escape(description), maxValue: total);
        task.Value = start;
        return new Task(task, description);
    }

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
