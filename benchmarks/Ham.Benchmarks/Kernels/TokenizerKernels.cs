using BenchmarkDotNet.Attributes;
using Ham.Benchmarks.Cases;
using Ham.Model.Tokenization;

namespace Ham.Benchmarks.Kernels;

/// <summary>ClipTokenizer over the 400 fixture texts and the 7 PACS prompts (407 texts per operation).</summary>
[Config(typeof(KernelConfig))]
public class TokenizerKernels
{
    private const int TextCount = 407;
    private IReadOnlyList<string> texts = null!;

    [GlobalSetup]
    public void Setup()
    {
        texts = ReadCases.TokenizerTexts();
        if (texts.Count != TextCount)
            throw new InvalidDataException($"tokenizer fixture has {texts.Count} texts, expected {TextCount}");
    }

    [Benchmark, PerOperation(TextCount, "texts")]
    public int Encode_each()
    {
        var tokens = 0;
        foreach (var text in texts) tokens += ClipTokenizer.Default.Encode(text).Length;
        return tokens;
    }

    [Benchmark, PerOperation(TextCount, "texts")]
    public void EncodeBatch_77() => ClipTokenizer.Default.EncodeBatch(texts, truncate: true).Dispose();
}
