// The first Ctrl+C cancels the command, which stops at its next step and says how to resume; a second one kills
// the process at once (every checkpoint and result is written atomically, so nothing written is lost either way).
using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, press) =>
{
    if (interrupt.IsCancellationRequested) return;
    press.Cancel = true;
    interrupt.Cancel();
};
return Ham.Cli.HamApp.Create(arguments: args).Run(args, interrupt.Token);
