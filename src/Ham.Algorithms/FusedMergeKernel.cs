using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TorchSharp;

namespace Ham.Algorithms;

/// <summary>
/// The CPU fast path of <see cref="Merge.Tensor"/> for float32 tensors: the same merge as <see cref="MergeSteps"/>
/// (DARE's drop and rescale, trim, elect sign, disjoint mean or weighted sum, apply), fused into one pass over the
/// inputs after an exact selection of each τ_k's magnitude threshold, so that no task vector is ever materialized.
/// DARE's mask is drawn entry by entry from its position (<see cref="DropMask"/>), the same mask as the
/// step-by-step path's. Results equal the step-by-step path up to float rounding (summation order); tests compare
/// them. Where the weighted sum of the kept values is zero up to rounding, the two paths may elect different
/// signs (the kernel rounds each product, ATen fuses multiply and add), so such entries can differ by a whole τ.
/// </summary>
internal static unsafe class FusedMergeKernel
{
    private const int ChunkSize = 1 << 16;
    private const int Buckets = 1 << 16;

    /// <summary>Whether the fast path applies: CPU, float32 everywhere.</summary>
    public static bool Applies(GeneralizedTaskArithmetic config, torch.Tensor pretrained,
        IReadOnlyList<torch.Tensor> models) =>
        pretrained.device_type == DeviceType.CPU &&
        pretrained.dtype == torch.ScalarType.Float32 && pretrained.numel() < int.MaxValue / sizeof(float) &&
        models.All(m => m.device_type == DeviceType.CPU && m.dtype == torch.ScalarType.Float32);

    /// <summary>The merged tensor (float32, then <paramref name="outputType"/>); inputs are only read.</summary>
    public static torch.Tensor Merge(GeneralizedTaskArithmetic config, string key, torch.Tensor pretrained,
        IReadOnlyList<torch.Tensor> models, IReadOnlyList<double> weights, torch.ScalarType outputType)
    {
        using var scope = torch.NewDisposeScope();
        var theta0 = pretrained.contiguous();
        var thetas = models.Select(m => m.contiguous()).ToArray();
        var size = theta0.numel();
        var masks = DropMasks(config, key, models.Count);
        // When DARE drops every entry, no τ_k keeps any: θ = θ0 + λ · 0.
        var dropsAll = masks is not null && masks[0].DropsAll;
        if (dropsAll) masks = null;
        var keep = dropsAll ? 0 : MergeSteps.KeptCount(size, config.Density);

        var theta0Address = Address(theta0);
        var addresses = thetas.Select(Address).ToArray();
        var thresholds = Thresholds(theta0Address, addresses, size, keep, masks);

        var output = torch.empty(theta0.shape, torch.ScalarType.Float32);
        var pass = new Pass(theta0Address, addresses, Address(output), size, thresholds, masks,
            weights.Select(w => (float)w).ToArray(), (float)config.Lambda, config.ElectSign);
        var outcome = pass.Run();
        if (outcome.NonFinite)
        {
            Tensors.RequireFinite(pretrained, key, "the pretrained model");
            for (var k = 0; k < models.Count; k++) Tensors.RequireFinite(models[k], key, $"model {k}");
            throw new InvalidDataException($"tensor '{key}': a task vector θ_k − θ0 overflows float32");
        }
        if (outcome.Undecided.Count > 0) pass.Decide(outcome.Undecided, outcome.Total < 0 ? -1f : 1f);

        // The pass read and wrote through raw addresses: keep the tensors alive (and undisposed) until here.
        GC.KeepAlive(theta0);
        GC.KeepAlive(thetas);
        var result = outputType == torch.ScalarType.Float32 ? output : output.to(outputType);
        return result.MoveToOuterDisposeScope();
    }

    // model k's mask on this tensor, or null without DARE
    private static DropMask[]? DropMasks(GeneralizedTaskArithmetic config, string key, int count) =>
        config.DropRate <= 0 ? null
            : Enumerable.Range(0, count)
                .Select(k => new DropMask(config.DropRate, MergeSteps.TensorSeed(config.Seed, k, key))).ToArray();

    // τ'_k at entry i: τ_k itself without DARE; τ_k / (1 − p) where model k's mask keeps i, 0 where it drops it
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dropped(DropMask[]? masks, int k, long i, float tau) =>
        masks is null ? tau : masks[k].Keeps(i) ? tau * masks[k].Scale : 0f;

    // the same for the Vector<float>.Count entries from i, a multiple of that count
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Dropped(DropMask[]? masks, int k, long i, Vector<float> tau)
    {
        if (masks is null) return tau;
        var kept = Vector.GreaterThanOrEqual(masks[k].Hashes(i), new Vector<uint>(masks[k].KeepFrom));
        return Vector.ConditionalSelect(Vector.AsVectorInt32(kept), tau * masks[k].Scale, Vector<float>.Zero);
    }

    /// <summary>Whether <see cref="Gram"/> applies: CPU float32 inputs, few enough candidates.</summary>
    public static bool GramApplies(torch.Tensor pretrained, IReadOnlyList<torch.Tensor> models) =>
        models.Count <= 16 && Applies(new GeneralizedTaskArithmetic(), pretrained, models);

    // G_ij = Σ_n τ_i τ_j, τ = θ − θ0 computed on the fly; float lanes within a chunk, float64 across chunks
    public static double[,] Gram(torch.Tensor pretrained, IReadOnlyList<torch.Tensor> models)
    {
        using var scope = torch.NewDisposeScope();
        var theta0 = pretrained.contiguous();
        var thetas = models.Select(m => m.contiguous()).ToArray();
        var size = theta0.numel();
        var count = thetas.Length;
        var theta0Address = Address(theta0);
        var addresses = thetas.Select(Address).ToArray();
        var pairs = count * (count + 1) / 2;
        var sums = new double[pairs];
        var chunks = (int)((size + ChunkSize - 1) / ChunkSize);
        Parallel.For(0, chunks, Parallelism(), () => new double[pairs], (chunk, _, partial) =>
        {
            var start = (long)chunk * ChunkSize;
            GramChunk(theta0Address, addresses, start, Math.Min(size, start + ChunkSize), partial);
            return partial;
        }, partial =>
        {
            lock (sums)
                for (var p = 0; p < pairs; p++) sums[p] += partial[p];
        });
        GC.KeepAlive(theta0);
        GC.KeepAlive(thetas);

        var gram = new double[count, count];
        for (int i = 0, p = 0; i < count; i++)
        for (var j = i; j < count; j++, p++)
            gram[i, j] = gram[j, i] = sums[p];
        return gram;
    }

    private static void GramChunk(IntPtr theta0, IntPtr[] thetas, long start, long end, double[] sums)
    {
        var count = thetas.Length;
        var pairs = count * (count + 1) / 2;
        var p0 = (float*)theta0;
        var sources = stackalloc float*[count];
        for (var k = 0; k < count; k++) sources[k] = (float*)thetas[k];
        var taus = stackalloc Vector<float>[count];
        var lanes = stackalloc Vector<float>[pairs];
        for (var p = 0; p < pairs; p++) lanes[p] = Vector<float>.Zero;
        var i = start;
        for (; i + Vector<float>.Count <= end; i += Vector<float>.Count)
        {
            var baseline = Unsafe.ReadUnaligned<Vector<float>>(p0 + i);
            for (var k = 0; k < count; k++) taus[k] = Unsafe.ReadUnaligned<Vector<float>>(sources[k] + i) - baseline;
            for (int a = 0, p = 0; a < count; a++)
            for (var b = a; b < count; b++, p++)
                lanes[p] += taus[a] * taus[b];
        }
        for (var p = 0; p < pairs; p++) sums[p] += Vector.Sum(lanes[p]);
        for (; i < end; i++)
            for (int a = 0, p = 0; a < count; a++)
            for (var b = a; b < count; b++, p++)
                sums[p] += (double)(sources[a][i] - p0[i]) * (sources[b][i] - p0[i]);
    }

    /// <summary>The radix selection alone, for tests: t = the (n − keep + 1)-th smallest |θ − θ0|.</summary>
    internal static float RadixThreshold(torch.Tensor pretrained, torch.Tensor model, long keep)
    {
        using var theta0 = pretrained.contiguous();
        using var theta = model.contiguous();
        return Threshold(Address(theta0), Address(theta), theta0.numel(), keep, masks: null, 0);
    }

    private static IntPtr Address(torch.Tensor tensor)
    {
        fixed (byte* bytes = tensor.bytes) return (IntPtr)bytes;
    }

    // t_k = the (n − keep + 1)-th smallest |τ'_k| for every k: a bracket [lo_k, hi_k] around that rank from
    // a sample, then one pass over θ0 and all models that counts the entries below lo_k and equal to it, and
    // collects those in (lo_k, hi_k]; the exact value is lo_k or selected among the collected ones (or, should the
    // bracket miss, by radix selection). Equal ones are counted, not collected, because DARE's dropped entries are
    // many zeros: at p = 0.9 nine tenths of τ'_k would otherwise be collected whenever t_k = 0.
    private static float[] Thresholds(IntPtr theta0, IntPtr[] thetas, long size, long keep, DropMask[]? masks)
    {
        var count = thetas.Length;
        var thresholds = new float[count];
        if (keep >= size) return thresholds;
        if (keep <= 0)
        {
            Array.Fill(thresholds, float.PositiveInfinity);
            return thresholds;
        }
        var rank = size - keep + 1;
        if (size <= ChunkSize)
        {
            for (var k = 0; k < count; k++) thresholds[k] = SmallThreshold(theta0, thetas[k], size, rank, masks, k);
            return thresholds;
        }
        var brackets = new (float Lo, float Hi)[count];
        Parallel.For(0, count, Parallelism(), k => brackets[k] = Bracket(theta0, thetas[k], size, rank, masks, k));
        var below = new long[count];
        var atLo = new long[count];
        var inside = Enumerable.Range(0, count).Select(_ => new List<float>()).ToArray();
        var chunks = (int)((size + ChunkSize - 1) / ChunkSize);
        Parallel.For(0, chunks, Parallelism(),
            () => (Below: new long[count], AtLo: new long[count], Buffer: new float[ChunkSize + Vector<float>.Count],
                Inside: Enumerable.Range(0, count).Select(_ => new List<float>()).ToArray()),
            (chunk, _, partial) =>
            {
                var start = (long)chunk * ChunkSize;
                var end = Math.Min(size, start + ChunkSize);
                var p0 = (float*)theta0;
                for (var k = 0; k < count; k++)
                {
                    var p = (float*)thetas[k];
                    var (lo, hi) = brackets[k];
                    var under = 0L;
                    var equal = 0L;
                    var collected = 0;
                    var buffer = partial.Buffer;
                    var i = start;
                    if (Vector.IsHardwareAccelerated)
                    {
                        var loVector = new Vector<float>(lo);
                        var hiVector = new Vector<float>(hi);
                        var underLanes = Vector<int>.Zero;
                        var equalLanes = Vector<int>.Zero;
                        for (; i + Vector<float>.Count <= end; i += Vector<float>.Count)
                        {
                            var tau = Unsafe.ReadUnaligned<Vector<float>>(p + i) -
                                      Unsafe.ReadUnaligned<Vector<float>>(p0 + i);
                            var magnitude = Vector.Abs(Dropped(masks, k, i, tau));
                            // Comparison lanes are −1 where true.
                            underLanes -= Vector.LessThan(magnitude, loVector);
                            equalLanes -= Vector.Equals(magnitude, loVector);
                            var within = Vector.GreaterThan(magnitude, loVector) &
                                         Vector.LessThanOrEqual(magnitude, hiVector);
                            if (Vector.EqualsAll(within, Vector<int>.Zero)) continue;
                            collected += Append(magnitude, within, buffer, collected);
                        }
                        under += Vector.Sum(underLanes);
                        equal += Vector.Sum(equalLanes);
                    }
                    for (; i < end; i++)
                    {
                        var magnitude = MathF.Abs(Dropped(masks, k, i, p[i] - p0[i]));
                        if (magnitude < lo) under++;
                        else if (magnitude == lo) equal++;
                        else if (magnitude <= hi) buffer[collected++] = magnitude;
                    }
                    partial.Below[k] += under;
                    partial.AtLo[k] += equal;
                    partial.Inside[k].AddRange(buffer.AsSpan(0, collected));
                }
                return partial;
            },
            partial =>
            {
                lock (inside)
                    for (var k = 0; k < count; k++)
                    {
                        below[k] += partial.Below[k];
                        atLo[k] += partial.AtLo[k];
                        inside[k].AddRange(partial.Inside[k]);
                    }
            });
        Parallel.For(0, count, Parallelism(), k =>
        {
            var rankAbove = rank - below[k] - atLo[k];
            thresholds[k] = rank > below[k] && rankAbove <= 0 ? brackets[k].Lo
                : rankAbove >= 1 && rankAbove <= inside[k].Count
                    ? QuickSelect(CollectionsMarshal.AsSpan(inside[k]), (int)(rankAbove - 1))
                    : Threshold(theta0, thetas[k], size, keep, masks, k);
        });
        return thresholds;
    }

    // a small tensor's threshold: select among all its magnitudes
    private static float SmallThreshold(IntPtr theta0, IntPtr theta, long size, long rank, DropMask[]? masks,
        int model)
    {
        var magnitudes = new float[size];
        var p0 = (float*)theta0;
        var p = (float*)theta;
        for (var i = 0; i < size; i++) magnitudes[i] = MathF.Abs(Dropped(masks, model, i, p[i] - p0[i]));
        return QuickSelect(magnitudes, (int)(rank - 1));
    }

    // [lo, hi]: sample order statistics 5 standard deviations of a binomial count either side of the target rank
    private static (float Lo, float Hi) Bracket(IntPtr theta0, IntPtr theta, long size, long rank,
        DropMask[]? masks, int model)
    {
        var sampleSize = (int)Math.Min(size, 8192);
        var sample = new float[sampleSize];
        var stride = (double)size / sampleSize;
        var p0 = (float*)theta0;
        var p = (float*)theta;
        for (var j = 0; j < sampleSize; j++)
        {
            // A fixed pseudo-random offset inside each stride, so that rows of a matrix do not alias the sample.
            var offset = (long)(stride * ((j * 0.6180339887498949) % 1.0));
            var index = Math.Min(size - 1, (long)(j * stride) + offset);
            sample[j] = MathF.Abs(Dropped(masks, model, index, p[index] - p0[index]));
        }
        var fraction = (rank - 0.5) / size;
        var position = fraction * sampleSize;
        var margin = 5 * Math.Sqrt(sampleSize * fraction * (1 - fraction)) + 4;
        var loIndex = (long)Math.Floor(position - margin);
        var hiIndex = (long)Math.Ceiling(position + margin);
        var lo = loIndex < 0 ? 0f : QuickSelect(sample, (int)loIndex);
        var hi = hiIndex >= sampleSize ? float.PositiveInfinity : QuickSelect(sample, (int)hiIndex);
        return (lo, hi);
    }

    // Appends the lanes of values where mask is set (−1) to buffer from position, in lane order, and returns how
    // many; buffer has Vector<float>.Count entries of room past the last one kept. With AVX2 the lanes are packed
    // by one permutation (a table indexed by the mask's bits) and stored as a whole vector.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Append(Vector<float> values, Vector<int> mask, float[] buffer, int position)
    {
        if (Avx2.IsSupported && Vector<float>.Count == Vector256<float>.Count)
        {
            var bits = (uint)Avx.MoveMask(mask.AsVector256().AsSingle());
            var packed = Avx2.PermuteVar8x32(values.AsVector256(), PackingIndices[bits]);
            packed.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(buffer), (nuint)position);
            return BitOperations.PopCount(bits);
        }
        var appended = 0;
        for (var lane = 0; lane < Vector<float>.Count; lane++)
            if (mask[lane] != 0) buffer[position + appended++] = values[lane];
        return appended;
    }

    // for each 8-bit lane mask, the indices of its set lanes in order (then zeros): the permutation that packs them
    private static readonly Vector256<int>[] PackingIndices = Enumerable.Range(0, 256)
        .Select(bits =>
        {
            var indices = new int[Vector256<int>.Count];
            for (int lane = 0, next = 0; lane < indices.Length; lane++)
                if ((bits >> lane & 1) != 0) indices[next++] = lane;
            return Vector256.Create(indices);
        }).ToArray();

    // the k-th smallest (0-based) of values, by Hoare partitioning around a median of three (reorders values)
    private static float QuickSelect(Span<float> values, int k)
    {
        var left = 0;
        var right = values.Length - 1;
        while (left < right)
        {
            var a = values[left];
            var b = values[left + (right - left) / 2];
            var c = values[right];
            var pivot = Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
            var i = left;
            var j = right;
            while (i <= j)
            {
                while (values[i] < pivot) i++;
                while (values[j] > pivot) j--;
                if (i > j) break;
                (values[i], values[j]) = (values[j], values[i]);
                i++;
                j--;
            }
            if (k <= j) right = j;
            else if (k >= i) left = i;
            else return values[k];
        }
        return values[k];
    }

    // t_k = the (n − keep + 1)-th smallest |τ'_k|, exactly, by a two-level radix selection over the bits of
    // non-negative floats (whose bit patterns order like their values); 0 keeps all, +∞ keeps none
    private static float Threshold(IntPtr theta0, IntPtr theta, long size, long keep, DropMask[]? masks, int model)
    {
        if (keep >= size) return 0f;
        if (keep <= 0) return float.PositiveInfinity;
        var rank = size - keep + 1;
        var high = Histogram(theta0, theta, size, bucket: -1, masks, model);
        var (highBucket, rankInBucket) = Locate(high, rank);
        ArrayPool<long>.Shared.Return(high);
        var low = Histogram(theta0, theta, size, highBucket, masks, model);
        var (lowBucket, _) = Locate(low, rankInBucket);
        ArrayPool<long>.Shared.Return(low);
        return BitConverter.UInt32BitsToSingle(((uint)highBucket << 16) | (uint)lowBucket);
    }

    // counts of |τ|'s high 16 bits (bucket = −1), or of the low 16 bits among those whose high bits are bucket
    private static long[] Histogram(IntPtr theta0, IntPtr theta, long size, int bucket, DropMask[]? masks,
        int model)
    {
        var total = ArrayPool<long>.Shared.Rent(Buckets);
        Array.Clear(total, 0, Buckets);
        var chunks = (int)((size + ChunkSize - 1) / ChunkSize);
        Parallel.For(0, chunks, Parallelism(), RentCleared, (chunk, _, counts) =>
            {
                var start = (long)chunk * ChunkSize;
                var end = Math.Min(size, start + ChunkSize);
                var p0 = (float*)theta0;
                var p = (float*)theta;
                if (bucket < 0)
                    for (var i = start; i < end; i++)
                        counts[Magnitude(Dropped(masks, model, i, p[i] - p0[i])) >> 16]++;
                else
                    for (var i = start; i < end; i++)
                    {
                        var bits = Magnitude(Dropped(masks, model, i, p[i] - p0[i]));
                        if ((bits >> 16) == (uint)bucket) counts[bits & 0xFFFF]++;
                    }
                return counts;
            },
            counts =>
            {
                lock (total)
                    for (var b = 0; b < Buckets; b++) total[b] += counts[b];
                ArrayPool<int>.Shared.Return(counts);
            });
        return total;
    }

    private static int[] RentCleared()
    {
        var counts = ArrayPool<int>.Shared.Rent(Buckets);
        Array.Clear(counts, 0, Buckets);
        return counts;
    }

    private static uint Magnitude(float value) => BitConverter.SingleToUInt32Bits(value) & 0x7FFFFFFFu;

    // the bucket holding the rank-th smallest value, and that value's rank within the bucket
    private static (int Bucket, long RankInBucket) Locate(long[] counts, long rank)
    {
        var before = 0L;
        for (var b = 0; b < Buckets; b++)
        {
            if (before + counts[b] >= rank) return (b, rank - before);
            before += counts[b];
        }
        throw new InvalidOperationException($"rank {rank} beyond the {before} values counted");
    }

    private static ParallelOptions Parallelism() =>
        new() { MaxDegreeOfParallelism = Math.Max(1, torch.get_num_threads()) };

    private readonly record struct Outcome(bool NonFinite, double Total, List<long> Undecided);

    // The fused element-wise pass: per entry i, τ_k = θ_k − θ0, dropped and rescaled to τ'_k (DARE), kept where
    // |τ'_k| ≥ t_k;
    // sum: θ = θ0 + λ Σ_k w_k τ_k; sign election: s = sign(Σ_k w_k τ_k),
    // θ = θ0 + λ Σ_agree w_k τ_k / Σ_agree w_k.
    private sealed class Pass(IntPtr theta0, IntPtr[] thetas, IntPtr output, long size, float[] thresholds,
        DropMask[]? masks, float[] weights, float lambda, bool electSign)
    {
        private sealed class Partial
        {
            public bool NonFinite;
            public double Total;
            public readonly List<long> Undecided = [];
        }

        public Outcome Run()
        {
            var nonFinite = false;
            var total = 0.0;
            var undecided = new List<long>();
            var chunks = (int)((size + ChunkSize - 1) / ChunkSize);
            Parallel.For(0, chunks, Parallelism(), () => new Partial(), (chunk, _, partial) =>
            {
                var start = (long)chunk * ChunkSize;
                RunChunk(start, Math.Min(size, start + ChunkSize), partial);
                return partial;
            }, partial =>
            {
                lock (undecided)
                {
                    nonFinite |= partial.NonFinite;
                    total += partial.Total;
                    undecided.AddRange(partial.Undecided);
                }
            });
            return new Outcome(nonFinite, total, undecided);
        }

        private void RunChunk(long start, long end, Partial partial)
        {
            var count = thetas.Length;
            var p0 = (float*)theta0;
            var result = (float*)output;
            var sources = stackalloc float*[count];
            for (var k = 0; k < count; k++) sources[k] = (float*)thetas[k];
            var kept = stackalloc float[count];
            var vectorEnd = Vector.IsHardwareAccelerated && count <= 64
                ? start + (end - start) / Vector<float>.Count * Vector<float>.Count
                : start;
            if (vectorEnd > start) RunVectors(start, vectorEnd, sources, partial);
            for (var i = vectorEnd; i < end; i++)
            {
                var baseline = p0[i];
                var mass = 0f;
                var anyKept = false;
                for (var k = 0; k < count; k++)
                {
                    var tau = sources[k][i] - baseline;
                    if (!float.IsFinite(tau)) partial.NonFinite = true;
                    tau = Dropped(masks, k, i, tau);
                    kept[k] = MathF.Abs(tau) >= thresholds[k] ? tau : 0f;
                    mass += weights[k] * kept[k];
                    anyKept |= kept[k] != 0;
                }
                if (!electSign)
                {
                    result[i] = baseline + lambda * mass;
                    continue;
                }
                partial.Total += mass;
                if (mass == 0 && anyKept)
                {
                    partial.Undecided.Add(i);
                    continue;
                }
                result[i] = baseline + lambda * DisjointMean(kept, count, mass > 0 ? 1f : -1f);
            }
        }

        // The same computation as the scalar loop, Vector<float>.Count entries at a time.
        private void RunVectors(long start, long end, float** sources, Partial partial)
        {
            var count = thetas.Length;
            var p0 = (float*)theta0;
            var result = (float*)output;
            var kept = stackalloc Vector<float>[count];
            var zero = Vector<float>.Zero;
            var one = Vector<float>.One;
            var finiteCheck = zero;
            var total = 0.0;
            for (var i = start; i < end; i += Vector<float>.Count)
            {
                var baseline = Unsafe.ReadUnaligned<Vector<float>>(p0 + i);
                var mass = zero;
                var anyKept = Vector<int>.Zero;
                for (var k = 0; k < count; k++)
                {
                    var tau = Unsafe.ReadUnaligned<Vector<float>>(sources[k] + i) - baseline;
                    // τ − τ is 0 for finite τ and NaN for ±∞ or NaN; NaN survives the sum.
                    finiteCheck += tau - tau;
                    tau = Dropped(masks, k, i, tau);
                    var keep = Vector.GreaterThanOrEqual(Vector.Abs(tau), new Vector<float>(thresholds[k]));
                    kept[k] = Vector.ConditionalSelect(keep, tau, zero);
                    mass += weights[k] * kept[k];
                    anyKept |= ~Vector.Equals(kept[k], zero);
                }
                if (!electSign)
                {
                    Unsafe.WriteUnaligned(result + i, baseline + lambda * mass);
                    continue;
                }
                total += Vector.Sum(mass);
                var sign = Vector.ConditionalSelect(Vector.GreaterThan(mass, zero), one,
                    Vector.ConditionalSelect(Vector.LessThan(mass, zero), -one, zero));
                var undecided = Vector.Equals(mass, zero) & anyKept;
                if (!Vector.EqualsAll(undecided, Vector<int>.Zero))
                    for (var lane = 0; lane < Vector<float>.Count; lane++)
                        if (undecided[lane] != 0) partial.Undecided.Add(i + lane);
                var numerator = zero;
                var denominator = zero;
                for (var k = 0; k < count; k++)
                {
                    var agrees = Vector.GreaterThan(kept[k] * sign, zero);
                    numerator += Vector.ConditionalSelect(agrees, weights[k] * kept[k], zero);
                    denominator += Vector.ConditionalSelect(agrees, new Vector<float>(weights[k]), zero);
                }
                var hasAgreeing = Vector.GreaterThan(denominator, zero);
                var merged = Vector.ConditionalSelect(hasAgreeing, numerator / Vector.Max(denominator, one * 1e-30f),
                    zero);
                Unsafe.WriteUnaligned(result + i, baseline + lambda * merged);
            }
            partial.Total += total;
            if (!Vector.EqualsAll(finiteCheck, zero)) partial.NonFinite = true;
        }

        // Σ_k w_k a_k τ_k / Σ_k w_k a_k with a_k = [τ_k s > 0]; 0 where none agrees
        private float DisjointMean(float* kept, int count, float sign)
        {
            var numerator = 0f;
            var denominator = 0f;
            for (var k = 0; k < count; k++)
            {
                if (kept[k] * sign <= 0) continue;
                numerator += weights[k] * kept[k];
                denominator += weights[k];
            }
            return denominator > 0 ? numerator / denominator : 0f;
        }

        /// <summary>Entries whose kept values cancel exactly take the tensor's majority sign.</summary>
        public void Decide(IEnumerable<long> entries, float majority)
        {
            var count = thetas.Length;
            var p0 = (float*)theta0;
            var result = (float*)output;
            var kept = stackalloc float[count];
            foreach (var i in entries)
            {
                for (var k = 0; k < count; k++)
                {
                    var tau = Dropped(masks, k, i, ((float*)thetas[k])[i] - p0[i]);
                    kept[k] = MathF.Abs(tau) >= thresholds[k] ? tau : 0f;
                }
                result[i] = p0[i] + lambda * DisjointMean(kept, count, majority);
            }
        }
    }
}
