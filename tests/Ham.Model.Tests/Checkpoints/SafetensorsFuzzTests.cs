using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using CsCheck;
using Ham.Model.Checkpoints;
using TorchSharp;
using Xunit;

namespace Ham.Model.Tests.Checkpoints;

/// <summary>Random and mutated headers: the parser accepts only consistent headers and otherwise throws
/// InvalidDataException, never anything else.</summary>
public sealed class SafetensorsFuzzTests
{
    private static readonly string ValidJson = """
        {"__metadata__":{"format":"pt"},
        "a.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},
        "b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]},
        "c":{"dtype":"I64","shape":[],"data_offsets":[32,40]}}
        """.ReplaceLineEndings("");

    private static readonly string[] DTypeNames =
        ["F16", "BF16", "F32", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL", "F8_E4M3", "f32", ""];

    /// <summary>Parses; on success checks the invariants the reader relies on.</summary>
    private static void ParseOrReject(byte[] json, long dataSize)
    {
        SafetensorsHeader header;
        try
        {
            header = SafetensorsHeader.Parse(json, dataSize, "fuzz.safetensors");
        }
        catch (InvalidDataException e)
        {
            Assert.StartsWith("fuzz.safetensors: invalid safetensors file: ", e.Message);
            return;
        }
        long previousEnd = 0;
        foreach (var entry in header.Entries)
        {
            Assert.InRange(entry.Begin, previousEnd, entry.End);
            Assert.InRange(entry.End, entry.Begin, dataSize);
            Assert.Equal(entry.ByteLength, entry.ElementCount * entry.DType.ElementSize());
            previousEnd = entry.End;
        }
    }

    [Fact]
    public void Random_bytes_as_header_never_throw_anything_but_invalid_data()
    {
        Gen.Select(Gen.Byte.Array[0, 64], Gen.Long[0, 64])
            .Sample((json, dataSize) => ParseOrReject(json, dataSize), iter: 3000);
    }

    [Fact]
    public void Mutated_valid_headers_never_throw_anything_but_invalid_data()
    {
        var valid = Encoding.UTF8.GetBytes(ValidJson);
        var mutation = Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Byte, Gen.Int[0, 2]);
        Gen.Select(mutation.Array[1, 4], Gen.Long[0, 48])
            .Sample((mutations, dataSize) =>
            {
                var json = valid.ToList();
                foreach (var (position, value, kind) in mutations)
                {
                    var at = Math.Min(position, json.Count - 1);
                    if (json.Count == 0) break;
                    if (kind == 0) json[at] = value;
                    else if (kind == 1) json.RemoveAt(at);
                    else json.Insert(at, value);
                }
                ParseOrReject([.. json], dataSize);
            }, iter: 3000);
    }

    [Fact]
    public void Structured_random_headers_are_accepted_only_when_consistent()
    {
        var dimension = Gen.OneOf(Gen.Long[-1, 6], Gen.Long, Gen.Const(0L));
        var entry = Gen.Select(Gen.Int[0, DTypeNames.Length - 1], dimension.Array[0, 3], Gen.Long[-1, 80],
            Gen.Long[-1, 80]);
        Gen.Select(entry.Array[0, 4], Gen.Long[0, 120], Gen.Bool)
            .Sample((entries, dataSize, reuseName) =>
            {
                var json = new StringBuilder("{");
                for (var i = 0; i < entries.Length; i++)
                {
                    var (dtype, shape, begin, end) = entries[i];
                    var name = reuseName && i > 0 ? "t0" : $"t{i}";
                    var dims = string.Join(",", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
                    if (i > 0) json.Append(',');
                    json.Append($$"""
                        "{{name}}":{"dtype":"{{DTypeNames[dtype]}}","shape":[{{dims}}],
                        """);
                    json.Append($$"""
                        "data_offsets":[{{begin}},{{end}}]}
                        """);
                }
                json.Append('}');
                ParseOrReject(Encoding.UTF8.GetBytes(json.ToString()), dataSize);
            }, iter: 3000);
    }

    [Fact]
    public void Mutated_files_open_and_read_or_fail_with_invalid_data()
    {
        using var directory = new TempDirectory();
        var valid = Encoding.UTF8.GetBytes(ValidJson);
        var mutation = Gen.Select(Gen.Int[0, valid.Length + 47], Gen.Byte);
        Gen.Select(mutation.Array[1, 3], Gen.Int[0, 48])
            .Sample((mutations, dataBytes) =>
            {
                var bytes = new byte[8 + valid.Length + dataBytes];
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)valid.Length);
                valid.CopyTo(bytes, 8);
                foreach (var (position, value) in mutations)
                {
                    if (position < bytes.Length) bytes[position] = value;
                }
                // CsCheck samples on several threads: one file each.
                var path = directory.File($"{Guid.NewGuid():N}.safetensors");
                File.WriteAllBytes(path, bytes);
                try
                {
                    using var file = SafetensorsFile.Open(path);
                    foreach (var entry in file.Entries)
                    {
                        using var tensor = file.Read(entry, torch.ScalarType.Float64);
                        Assert.Equal(entry.Shape, tensor.shape);
                    }
                }
                catch (InvalidDataException e)
                {
                    Assert.Contains(path, e.Message);
                }
            }, iter: 400);
    }
}
