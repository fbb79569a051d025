namespace Ham.Cli.Training;

/// <summary>
/// Batches drawn without replacement within epochs over a pool of image indices, each epoch a fresh seeded
/// permutation; batch t is a pure function of (seed, t), which is what makes resuming exact.
/// </summary>
public sealed class EpochSampler
{
    private readonly IReadOnlyList<int> pool;
    private readonly long seed;
    private int cachedEpoch = -1;
    private int[] cachedOrder = [];

    public EpochSampler(IReadOnlyList<int> pool, long seed)
    {
        if (pool.Count == 0) throw new ArgumentException("cannot sample batches from an empty set of images");
        this.pool = pool;
        this.seed = seed;
    }

    /// <summary>The <paramref name="size"/> image indices of batch <paramref name="step"/> (0-based).</summary>
    public int[] Batch(long step, int size)
    {
        var batch = new int[size];
        var start = step * size;
        for (var i = 0; i < size; i++)
        {
            var position = start + i;
            var epoch = (int)(position / pool.Count);
            batch[i] = Order(epoch)[(int)(position % pool.Count)];
        }
        return batch;
    }

    private int[] Order(int epoch)
    {
        if (epoch == cachedEpoch) return cachedOrder;
        var order = pool.ToArray();
        Seeds.Random(seed, epoch).Shuffle(order);
        cachedEpoch = epoch;
        cachedOrder = order;
        return order;
    }
}
