using System.Buffers.Binary;
using System.Text.Json;

namespace Ham.Model.Checkpoints;

/// <summary>
/// The header of a safetensors file: 8 bytes of little-endian header length N, then N bytes of UTF-8 JSON mapping
/// each tensor name to {dtype, shape, data_offsets} (plus an optional "__metadata__" string map), then the data.
/// Parsing validates everything against the size of the data section, so that nothing is allocated or read on the
/// word of a header that the file cannot back.
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>The largest header accepted, as in the reference implementation (100 MB).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private SafetensorsHeader(IReadOnlyList<SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata,
        long headerLength)
    {
        Entries = entries;
        Metadata = metadata;
        HeaderLength = headerLength;
    }

    /// <summary>The tensors, ordered by their position in the data section.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>The "__metadata__" map; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>N, the JSON length in bytes; the data section starts at 8 + N.</summary>
    public long HeaderLength { get; }

    /// <summary>Byte offset of the data section from the start of the file.</summary>
    public long DataStart => 8 + HeaderLength;

    /// <summary>
    /// Reads the 8-byte length prefix and checks it against the file size; returns N.
    /// </summary>
    public static long ReadHeaderLength(ReadOnlySpan<byte> prefix, long fileSize, string source)
    {
        if (fileSize < 8 || prefix.Length < 8)
            throw Bad(source, $"file is {fileSize} bytes, shorter than the 8-byte header length");
        var length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (length > (ulong)(fileSize - 8))
            throw Bad(source, $"header length {length} exceeds the {fileSize - 8} bytes after the length prefix");
        if (length > MaxHeaderLength)
            throw Bad(source, $"header length {length} exceeds the {MaxHeaderLength}-byte limit");
        if (length < 2)
            throw Bad(source, $"header length {length} is too short for a JSON object");
        return (long)length;
    }

    /// <summary>
    /// Parses and validates the JSON header against a data section of <paramref name="dataSize"/> bytes.
    /// Throws <see cref="InvalidDataException"/> naming <paramref name="source"/> for anything wrong.
    /// </summary>
    public static SafetensorsHeader Parse(ReadOnlyMemory<byte> json, long dataSize, string source)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json.Span))
            throw Bad(source, "header is not valid UTF-8");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Bad(source, $"header is not well-formed JSON ({e.Message})");
        }
        catch (ArgumentException e)
        {
            throw Bad(source, $"header is not well-formed JSON ({e.Message})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Bad(source, $"header is a JSON {root.ValueKind}, expected an object");

            var entries = new List<SafetensorsEntry>();
            var metadata = new Dictionary<string, string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                foreach (var property in root.EnumerateObject())
                {
                    if (!seen.Add(property.Name))
                        throw Bad(source, $"key '{property.Name}' appears twice in the header");
                    if (property.Name == MetadataKey)
                        ReadMetadata(property.Value, metadata, source);
                    else
                        entries.Add(ReadEntry(property.Name, property.Value, dataSize, source));
                }
            }
            catch (InvalidOperationException e)
            {
                // An escaped lone surrogate ("\ud800") cannot become a .NET string.
                throw Bad(source, $"header holds a string that is not valid Unicode ({e.Message})");
            }

            entries.Sort((a, b) => a.Begin != b.Begin
                ? a.Begin.CompareTo(b.Begin)
                : a.End != b.End ? a.End.CompareTo(b.End) : string.CompareOrdinal(a.Name, b.Name));
            for (var i = 1; i < entries.Count; i++)
            {
                var previous = entries[i - 1];
                var current = entries[i];
                if (current.Begin < previous.End)
                    throw Bad(source, $"tensor '{current.Name}' bytes [{current.Begin}, {current.End}) overlap " +
                                      $"tensor '{previous.Name}' bytes [{previous.Begin}, {previous.End})");
            }
            return new SafetensorsHeader(entries, metadata, json.Length);
        }
    }

    /// <summary>Serializes a header for these entries (offsets already assigned), padded to a multiple of 8.</summary>
    public static byte[] Serialize(IReadOnlyList<SafetensorsEntry> entries,
        IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata) writer.WriteString(key, value);
                writer.WriteEndObject();
            }
            foreach (var entry in entries)
            {
                writer.WriteStartObject(entry.Name);
                writer.WriteString("dtype", entry.DType.Name());
                writer.WriteStartArray("shape");
                foreach (var dim in entry.Shape) writer.WriteNumberValue(dim);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(entry.Begin);
                writer.WriteNumberValue(entry.End);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        var padding = (int)((8 - buffer.Length % 8) % 8);
        for (var i = 0; i < padding; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string source)
    {
        if (value.ValueKind == JsonValueKind.Null) return;
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad(source, $"'{MetadataKey}' is a JSON {value.ValueKind}, expected an object of strings");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Bad(source, $"metadata '{item.Name}' is a JSON {item.Value.ValueKind}, expected a string");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw Bad(source, $"metadata key '{item.Name}' appears twice");
        }
    }

    private static SafetensorsEntry ReadEntry(string name, JsonElement value, long dataSize, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad(source, $"tensor '{name}' is a JSON {value.ValueKind}, expected an object");

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Bad(source, $"tensor '{name}' has no string 'dtype'");
        var dtypeName = dtypeElement.GetString();
        if (!SafetensorsDTypes.TryParse(dtypeName, out var dtype))
            throw Bad(source, $"tensor '{name}' has unknown dtype '{dtypeName}' (expected one of " +
                              $"{string.Join(", ", Enum.GetNames<SafetensorsDType>())})");

        var shape = ReadIntegers(name, "shape", value, source, expectedCount: null);
        var offsets = ReadIntegers(name, "data_offsets", value, source, expectedCount: 2);
        var (begin, end) = (offsets[0], offsets[1]);
        if (begin > end)
            throw Bad(source, $"tensor '{name}' data_offsets [{begin}, {end}] run backwards");
        if (end > dataSize)
            throw Bad(source, $"tensor '{name}' data_offsets [{begin}, {end}] run past the {dataSize}-byte data " +
                              "section (file truncated?)");

        // The element count is bounded by the byte range, so overflow is caught before it can happen.
        // Each dimension is below 2^63 and the running product is capped there, so Int128 cannot overflow.
        var byteLength = end - begin;
        Int128 expectedBytes = dtype.ElementSize();
        foreach (var dim in shape)
        {
            expectedBytes = Int128.Min(expectedBytes * dim, long.MaxValue);
        }
        if (expectedBytes != byteLength)
        {
            var declared = expectedBytes == long.MaxValue ? "more than the file holds" : $"{expectedBytes} bytes";
            throw Bad(source, $"tensor '{name}' shape [{string.Join(", ", shape)}] of {dtypeName} needs {declared}, " +
                              $"but data_offsets [{begin}, {end}] span {byteLength} bytes");
        }
        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    private static long[] ReadIntegers(string name, string field, JsonElement value, string source, int? expectedCount)
    {
        if (!value.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
            throw Bad(source, $"tensor '{name}' has no '{field}' array");
        var count = array.GetArrayLength();
        if (expectedCount is { } expected && count != expected)
            throw Bad(source, $"tensor '{name}' '{field}' has {count} numbers, expected {expected}");
        if (count > 64)
            throw Bad(source, $"tensor '{name}' '{field}' has {count} dimensions, more than 64");
        var result = new long[count];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var number) || number < 0)
                throw Bad(source, $"tensor '{name}' '{field}' holds {item.GetRawText()}, expected a non-negative " +
                                  "integer");
            result[i++] = number;
        }
        return result;
    }

    internal static InvalidDataException Bad(string source, string what) =>
        new($"{source}: invalid safetensors file: {what}");
}
