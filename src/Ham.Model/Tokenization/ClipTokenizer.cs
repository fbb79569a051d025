using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML.Tokenizers;
using TorchSharp;

namespace Ham.Model.Tokenization;

/// <summary>
/// CLIP's tokenizer: the reference's text clean-up, its pre-tokenization, and byte-level BPE with the "&lt;/w&gt;"
/// end-of-word suffix on Microsoft.ML.Tokenizers. The default vocabulary (OpenAI's, 49,408 tokens) is embedded in
/// this library.
/// </summary>
public sealed class ClipTokenizer
{
    /// <summary>The reference's start token text.</summary>
    public const string StartToken = "<|startoftext|>";

    /// <summary>The reference's end token text.</summary>
    public const string EndToken = "<|endoftext|>";

    private static readonly Lazy<ClipTokenizer> DefaultTokenizer = new(LoadDefault);

    private ClipTokenizer(BpeTokenizer bpe, int vocabSize, bool applyFtfy)
    {
        ApplyFtfy = applyFtfy;
        Bpe = bpe;
        VocabSize = vocabSize;
        StartOfText = bpe.Vocabulary[StartToken];
        EndOfText = bpe.Vocabulary[EndToken];
    }

    /// <summary>OpenAI's vocabulary, read once from the embedded resource.</summary>
    public static ClipTokenizer Default => DefaultTokenizer.Value;

    /// <summary>The underlying BPE model; it expects cleaned text (see <see cref="ClipTextCleaner"/>).</summary>
    public BpeTokenizer Bpe { get; }

    /// <summary>Whether texts go through the ftfy emulation first (see <see cref="ClipTextCleaner"/>).</summary>
    public bool ApplyFtfy { get; }

    /// <summary>This vocabulary with the ftfy emulation switched on or off.</summary>
    public ClipTokenizer WithFtfy(bool applyFtfy) => new(Bpe, VocabSize, applyFtfy);

    /// <summary>Number of ids.</summary>
    public int VocabSize { get; }

    /// <summary>Id of <see cref="StartToken"/> (49406 in OpenAI's vocabulary).</summary>
    public int StartOfText { get; }

    /// <summary>Id of <see cref="EndToken"/> (49407 in OpenAI's vocabulary).</summary>
    public int EndOfText { get; }

    /// <summary>A tokenizer over a vocab.json (token -> id) and merges.txt ("a b" per line) pair.</summary>
    public static ClipTokenizer FromFiles(string vocabJsonPath, string mergesPath)
    {
        using var vocab = File.OpenRead(vocabJsonPath);
        using var merges = File.OpenRead(mergesPath);
        return Create(vocab, merges, vocabJsonPath);
    }

    /// <summary>The ids of one text, with the start and end tokens, unpadded.</summary>
    public int[] Encode(string text)
    {
        var cleaned = ClipTextCleaner.Clean(text, ApplyFtfy);
        var ids = Bpe.EncodeToIds(cleaned);
        var result = new int[ids.Count + 2];
        result[0] = StartOfText;
        for (var i = 0; i < ids.Count; i++) result[i + 1] = ids[i];
        result[^1] = EndOfText;
        return result;
    }

    /// <summary>
    /// Ids for the model: int64 [T, contextLength], zero-padded. A text longer than the context is an error naming
    /// it, unless <paramref name="truncate"/>, which keeps the first contextLength - 1 ids and the end token.
    /// </summary>
    public torch.Tensor EncodeBatch(IReadOnlyList<string> texts, int contextLength = 77, bool truncate = false)
    {
        if (contextLength < 2)
            throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength,
                "context length must hold at least the start and end tokens");
        var ids = new long[texts.Count * contextLength];
        for (var t = 0; t < texts.Count; t++)
        {
            var encoded = Encode(texts[t]);
            if (encoded.Length > contextLength)
            {
                if (!truncate)
                    throw new ArgumentException($"text {t} \"{Quote(texts[t])}\" is {encoded.Length} tokens long, " +
                                                $"more than the context length {contextLength} (truncation was " +
                                                "not asked for)",
                        nameof(texts));
                encoded = [.. encoded[..(contextLength - 1)], EndOfText];
            }
            for (var i = 0; i < encoded.Length; i++) ids[t * contextLength + i] = encoded[i];
        }
        return torch.tensor(ids, [texts.Count, contextLength], torch.ScalarType.Int64);
    }

    // A text as an error shows it: its start on one line, so that a megabyte of text makes a short message.
    private static string Quote(string text)
    {
        const int shown = 80;
        var line = text.ReplaceLineEndings(" ");
        if (line.Length <= shown) return line;
        var cut = char.IsHighSurrogate(line[shown - 1]) ? shown - 1 : shown;
        return $"{line[..cut]}… ({text.Length} characters)";
    }

    private static ClipTokenizer LoadDefault()
    {
        var assembly = typeof(ClipTokenizer).Assembly;
        Stream Resource(string name) => assembly.GetManifestResourceStream($"Ham.Model.Resources.{name}")
            ?? throw new InvalidOperationException($"embedded resource {name} is missing from {assembly.FullName}");
        using var vocab = new GZipStream(Resource("clip-vocab.json.gz"), CompressionMode.Decompress);
        using var merges = new GZipStream(Resource("clip-merges.txt.gz"), CompressionMode.Decompress);
        return Create(vocab, merges, "embedded CLIP vocabulary");
    }

    private static ClipTokenizer Create(Stream vocabJson, Stream mergesText, string source)
    {
        Dictionary<string, int> vocabulary;
        try
        {
            vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(vocabJson)
                ?? throw new InvalidDataException($"{source}: vocab.json is null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: vocab.json is not a JSON object of token ids ({e.Message})");
        }
        foreach (var special in new[] { StartToken, EndToken })
        {
            if (!vocabulary.ContainsKey(special))
                throw new InvalidDataException($"{source}: the vocabulary has no {special}");
        }

        var merges = new List<string>();
        using (var reader = new StreamReader(mergesText))
        {
            while (reader.ReadLine() is { } line)
            {
                if (line.StartsWith("#version", StringComparison.Ordinal) || line.Length == 0) continue;
                merges.Add(line);
            }
        }

        var options = new BpeOptions(vocabulary)
        {
            Merges = merges,
            ByteLevel = true,
            EndOfWordSuffix = "</w>",
            PreTokenizer = ClipPreTokenizer.Instance,
            SpecialTokens = new Dictionary<string, int>
            {
                [StartToken] = vocabulary[StartToken],
                [EndToken] = vocabulary[EndToken],
            },
        };
        return new ClipTokenizer(BpeTokenizer.Create(options), vocabulary.Count, applyFtfy: false);
    }
}
