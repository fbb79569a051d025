namespace Ham.Cli.Training;

/// <summary>
/// Seeds derived from a run's seed and the coordinates of a draw (training, model, step, ...), so that every random
/// draw is a function of where it happens rather than of a generator's history: a resumed run draws what the
/// uninterrupted one did without saving any generator state.
/// </summary>
public static class Seeds
{
    /// <summary>SplitMix64 over the parts, folded to a non-negative int for <see cref="System.Random"/>.</summary>
    public static int Mix(params long[] parts)
    {
        var state = 0x9E3779B97F4A7C15UL;
        foreach (var part in parts)
        {
            state ^= (ulong)part;
            state = Scramble(state);
        }
        return (int)(state & 0x7FFFFFFF);
    }

    /// <summary>A stable number for a name (string.GetHashCode changes from process to process).</summary>
    public static long Of(string name)
    {
        var hash = 14695981039346656037UL;
        foreach (var character in name)
        {
            hash ^= character;
            hash *= 1099511628211UL;
        }
        return (long)(hash & 0x7FFFFFFFFFFFFFFF);
    }

    public static Random Random(params long[] parts) => new(Mix(parts));

    private static ulong Scramble(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
