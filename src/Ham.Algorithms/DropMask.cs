using System.Numerics;

namespace Ham.Algorithms;

/// <summary>
/// DARE's drop mask on one task vector, as a function of each entry's position, so that any slice can be drawn on
/// its own, in any order and on any thread, and give the same entries as the whole: with the tensor seed s (see
/// <see cref="MergeSteps.TensorSeed"/>) and the entry's row-major index i,
/// h(s, i) = f(f(lo32(i) ⊕ lo32(s)) ⊕ hi32(i) ⊕ hi32(s)), f MurmurHash3's 32-bit finalizer,
/// u = h · 2^−32, and the entry is dropped iff u &lt; p (kept ones scale by 1/(1−p)).
/// Both merge paths, the fused kernel and the step-by-step one, draw it from here.
/// </summary>
public readonly struct DropMask
{
    private readonly uint seedLow;
    private readonly uint seedHigh;

    /// <param name="dropRate">p in [0, 1].</param>
    /// <param name="tensorSeed">s, the seed of this model's mask on this tensor.</param>
    public DropMask(double dropRate, long tensorSeed)
    {
        Options.Fraction(dropRate, nameof(dropRate));
        DropRate = dropRate;
        seedLow = (uint)tensorSeed;
        seedHigh = (uint)((ulong)tensorSeed >> 32);
        // u < p ⟺ h < p · 2^32 ⟺ h < ⌈p · 2^32⌉ (the product is exact: a power-of-two scaling)
        var dropBelow = Math.Ceiling(dropRate * 4294967296.0);
        DropsAll = dropBelow > uint.MaxValue;
        KeepFrom = DropsAll ? uint.MaxValue : (uint)dropBelow;
        Scale = DropsAll ? 0f : (float)(1 / (1 - dropRate));
    }

    /// <summary>p, the probability that an entry is dropped.</summary>
    public double DropRate { get; }

    /// <summary>Whether every entry is dropped (p = 1, or so close to 1 that no 32-bit h reaches it).</summary>
    public bool DropsAll { get; }

    /// <summary>An entry is kept iff h ≥ this (unless <see cref="DropsAll"/>).</summary>
    public uint KeepFrom { get; }

    /// <summary>1/(1−p) in float32, the factor of the kept entries (0 when all are dropped).</summary>
    public float Scale { get; }

    /// <summary>Whether entry <paramref name="index"/> is kept.</summary>
    public bool Keeps(long index) => !DropsAll && Hash(index) >= KeepFrom;

    /// <summary>h(s, i) of the definition above.</summary>
    public uint Hash(long index) =>
        Finalize(Finalize((uint)index ^ seedLow) ^ (uint)((ulong)index >> 32) ^ seedHigh);

    /// <summary>
    /// h for the <see cref="Vector{T}.Count"/> entries from <paramref name="start"/>, which must be a multiple of
    /// that count (so that all lanes share the high 32 bits of their index).
    /// </summary>
    public Vector<uint> Hashes(long start)
    {
        var low = new Vector<uint>((uint)start) + Vector<uint>.Indices;
        var high = new Vector<uint>((uint)((ulong)start >> 32) ^ seedHigh);
        return Finalize(Finalize(low ^ new Vector<uint>(seedLow)) ^ high);
    }

    /// <summary>keep[j] = 1 where entry start + j is kept, 0 where it is dropped.</summary>
    public void Fill(long start, Span<byte> keep)
    {
        for (var j = 0; j < keep.Length; j++) keep[j] = Keeps(start + j) ? (byte)1 : (byte)0;
    }

    // MurmurHash3's fmix32: a bijection of 32-bit words in which every input bit affects every output bit
    private static uint Finalize(uint x)
    {
        x ^= x >> 16;
        x *= 0x85EBCA6Bu;
        x ^= x >> 13;
        x *= 0xC2B2AE35u;
        return x ^ (x >> 16);
    }

    private static Vector<uint> Finalize(Vector<uint> x)
    {
        x ^= Vector.ShiftRightLogical(x, 16);
        x *= new Vector<uint>(0x85EBCA6Bu);
        x ^= Vector.ShiftRightLogical(x, 13);
        x *= new Vector<uint>(0xC2B2AE35u);
        return x ^ Vector.ShiftRightLogical(x, 16);
    }
}
