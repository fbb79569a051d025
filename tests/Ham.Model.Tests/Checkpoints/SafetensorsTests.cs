using System.Buffers.Binary;
using System.Text;
using Ham.Model.Checkpoints;
using Ham.Testing;
using TorchSharp;
using Xunit;

namespace Ham.Model.Tests.Checkpoints;

public sealed class SafetensorsTests
{
    public static TheoryData<SafetensorsDType> AllDTypes()
    {
        var data = new TheoryData<SafetensorsDType>();
        foreach (var dtype in Enum.GetValues<SafetensorsDType>()) data.Add(dtype);
        return data;
    }

    private static torch.Tensor Sample(SafetensorsDType dtype, long[] shape, int seed)
    {
        var generator = new torch.Generator((ulong)seed);
        using var values = torch.randn(shape, generator: generator) * 50;
        return dtype switch
        {
            SafetensorsDType.BOOL => values.gt(0),
            SafetensorsDType.U8 => values.abs().to_type(torch.ScalarType.Byte),
            _ => values.to_type(dtype.ToScalarType()),
        };
    }

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void Round_trip_keeps_values_shape_and_dtype(SafetensorsDType dtype)
    {
        using var directory = new TempDirectory();
        var path = directory.File("round.safetensors");
        var shapes = new[] { new long[] { 2, 3, 5 }, [], [0, 4], [7] };
        var tensors = shapes.Select((shape, i) => (name: $"t{i}", tensor: Sample(dtype, shape, i)))
            .ToDictionary(pair => pair.name, pair => pair.tensor);

        Safetensors.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["ü"] = "ß" });
        var read = Safetensors.ReadAll(path);
        using var file = SafetensorsFile.Open(path);

        Assert.Equal(new[] { "t0", "t1", "t2", "t3" }, file.Entries.Select(entry => entry.Name));
        Assert.Equal("ß", file.Metadata["ü"]);
        foreach (var (name, expected) in tensors)
        {
            Assert.Equal(expected.dtype, read[name].dtype);
            Assert.Equal(expected.shape, read[name].shape);
            Assert.True(expected.eq(read[name]).all().item<bool>(), $"{name} differs after the round trip");
            Assert.Equal(dtype, file[name].DType);
        }
        foreach (var tensor in tensors.Values.Concat(read.Values)) tensor.Dispose();
    }

    [Fact]
    public void Half_precision_is_upcast_on_request()
    {
        using var directory = new TempDirectory();
        var path = directory.File("half.safetensors");
        using var half = torch.tensor(new float[] { 1.5f, -2.25f, 65504f }).to_type(torch.ScalarType.Float16);
        using var bhalf = torch.tensor(new float[] { 0.5f, 3f }).to_type(torch.ScalarType.BFloat16);
        Safetensors.Write(path, new Dictionary<string, torch.Tensor> { ["h"] = half, ["b"] = bhalf });

        using var file = SafetensorsFile.Open(path);
        using var h = file.Read("h", torch.ScalarType.Float32);
        using var b = file.Read("b", torch.ScalarType.Float32);

        Assert.Equal(torch.ScalarType.Float32, h.dtype);
        Assert.Equal(new[] { 1.5f, -2.25f, 65504f }, h.data<float>().ToArray());
        Assert.Equal(new[] { 0.5f, 3f }, b.data<float>().ToArray());
    }

    [Fact]
    public void Streaming_writer_asks_for_tensors_in_layout_order_and_disposes_each()
    {
        using var directory = new TempDirectory();
        var path = directory.File("stream.safetensors");
        var layout = new[]
        {
            new SafetensorsLayout("b.weight", SafetensorsDType.F32, [3, 2]),
            new SafetensorsLayout("a.bias", SafetensorsDType.F16, [3]),
            new SafetensorsLayout("count", SafetensorsDType.I64, []),
        };
        var asked = new List<string>();
        var supplied = new List<torch.Tensor>();

        SafetensorsWriter.WriteFile(path, layout, entry =>
        {
            asked.Add(entry.Name);
            // Supplied as float32 everywhere: the writer converts to the declared dtype.
            var tensor = torch.full(entry.Shape, asked.Count, torch.ScalarType.Float32);
            supplied.Add(tensor);
            return tensor;
        });

        Assert.Equal(layout.Select(item => item.Name), asked);
        Assert.All(supplied, tensor => Assert.True(tensor.IsInvalid));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(layout.Select(item => item.Name), file.Entries.Select(entry => entry.Name));
        using var bias = file.Read("a.bias");
        using var count = file.Read("count");
        Assert.Equal(torch.ScalarType.Float16, bias.dtype);
        Assert.Equal(2f, bias[0].to_type(torch.ScalarType.Float32).item<float>());
        Assert.Equal(3L, count.item<long>());
    }

    [Fact]
    public void Writer_refuses_a_wrong_shape_and_leaves_no_file()
    {
        using var directory = new TempDirectory();
        var path = directory.File("bad.safetensors");
        var layout = new[] { new SafetensorsLayout("w", SafetensorsDType.F32, [2, 2]) };

        var error = Assert.Throws<ArgumentException>(() =>
            SafetensorsWriter.WriteFile(path, layout, _ => torch.zeros(2, 3)));

        Assert.Contains("'w'", error.Message);
        Assert.Contains("[2, 3]", error.Message);
        Assert.Empty(Directory.GetFiles(directory.Path));
    }

    [Fact]
    public void Writer_refuses_to_finish_with_tensors_missing()
    {
        using var stream = new MemoryStream();
        var writer = new SafetensorsWriter(stream, [
            new SafetensorsLayout("a", SafetensorsDType.F32, [1]),
            new SafetensorsLayout("b", SafetensorsDType.F32, [1]),
        ]);
        using var one = torch.ones(1);
        writer.Append(one);

        var error = Assert.Throws<InvalidOperationException>(writer.Complete);

        Assert.Contains("'b'", error.Message);
    }

    [Fact]
    public void Header_is_padded_to_eight_bytes_and_data_follows_in_layout_order()
    {
        using var directory = new TempDirectory();
        var path = directory.File("layout.safetensors");
        using var a = torch.tensor(new[] { 1, 2, 3 });
        using var b = torch.tensor(new byte[] { 9 });
        Safetensors.Write(path, new Dictionary<string, torch.Tensor> { ["a"] = a, ["b"] = b });

        var bytes = File.ReadAllBytes(path);
        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);

        Assert.Equal(0, headerLength % 8);
        Assert.Equal(8 + headerLength + 12 + 1, bytes.Length);
        Assert.Equal(9, bytes[^1]);
        Assert.Equal(1, BitConverter.ToInt32(bytes, (int)(8 + headerLength)));
    }

    [SharedFact]
    public void Reads_the_reference_checkpoint_written_by_python()
    {
        using var file = SafetensorsFile.Open(SharedData.Path("fixtures", "clip-tiny", "model.safetensors"));

        var entry = file["visual.conv1.weight"];
        using var weight = file.Read("visual.conv1.weight");

        Assert.Equal(SafetensorsDType.F32, entry.DType);
        Assert.Equal(new long[] { 128, 3, 8, 8 }, entry.Shape);
        Assert.Equal(entry.Shape, weight.shape);
        Assert.True(file.Contains("logit_scale"));
        Assert.False(file.Contains("position_ids"));
        Assert.True(float.IsFinite(weight.abs().sum().item<float>()));
    }

    // Malformed files: each is rejected with an InvalidDataException naming the file and the problem.

    private static byte[] FileBytes(string json, int dataBytes)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }

    public static TheoryData<string, int, string> MalformedHeaders() => new()
    {
        { "not json", 0, "not well-formed JSON" },
        { "[1, 2]", 0, "expected an object" },
        { """{"w": {"dtype": "F8", "shape": [1], "data_offsets": [0, 1]}}""", 1, "unknown dtype 'F8'" },
        { """{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}""", 4, "needs 8 bytes" },
        { """{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", 3, "run past the 3-byte data" },
        { """{"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}""", 4, "run backwards" },
        { """{"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}""", 4, "non-negative integer" },
        { """{"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}""", 4, "non-negative integer" },
        { """{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}}""", 4, "expected 2" },
        { """{"w": {"dtype": "F32", "data_offsets": [0, 4]}}""", 4, "no 'shape' array" },
        { """{"w": {"shape": [1], "data_offsets": [0, 4]}}""", 4, "no string 'dtype'" },
        { """{"w": 3}""", 4, "expected an object" },
        {
            """{"w": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 4]}}""", 4,
            "more than the file holds"
        },
        {
            """{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},""" +
            """ "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}""", 8, "overlap"
        },
        {
            """{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},""" +
            """ "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", 4, "appears twice"
        },
        { """{"__metadata__": {"k": 1}}""", 0, "expected a string" },
        { """{"\ud800": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", 4, "not valid Unicode" },
    };

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public void Malformed_header_is_rejected_naming_file_and_problem(string json, int dataBytes, string problem)
    {
        using var directory = new TempDirectory();
        var path = directory.File("malformed.safetensors");
        File.WriteAllBytes(path, FileBytes(json, dataBytes));

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path).Dispose());

        Assert.Contains(path, error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void File_shorter_than_the_length_prefix_is_rejected(int length)
    {
        using var directory = new TempDirectory();
        var path = directory.File("short.safetensors");
        File.WriteAllBytes(path, new byte[length]);

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path).Dispose());

        Assert.Contains("shorter than the 8-byte header length", error.Message);
    }

    [Fact]
    public void Header_length_beyond_the_file_is_rejected_before_allocating()
    {
        using var directory = new TempDirectory();
        var path = directory.File("huge.safetensors");
        var bytes = FileBytes("{}", 0);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue - 3);
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path).Dispose());

        Assert.Contains("exceeds the 2 bytes after the length prefix", error.Message);
    }

    [Fact]
    public void Every_truncation_of_a_valid_file_is_rejected()
    {
        using var directory = new TempDirectory();
        var path = directory.File("whole.safetensors");
        using var a = torch.arange(6, dtype: torch.ScalarType.Float32);
        using var b = torch.arange(3, dtype: torch.ScalarType.Int64);
        Safetensors.Write(path, new Dictionary<string, torch.Tensor> { ["a"] = a, ["b"] = b });
        var whole = File.ReadAllBytes(path);
        var cut = directory.File("cut.safetensors");

        for (var length = 0; length < whole.Length; length++)
        {
            File.WriteAllBytes(cut, whole[..length]);
            Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(cut).Dispose());
        }
    }

    [Fact]
    public void Missing_file_is_a_file_not_found_naming_the_path()
    {
        var error = Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Open("/nonexistent/x.safetensors"));

        Assert.Contains("/nonexistent/x.safetensors", error.Message);
    }

    [Fact]
    public void Unknown_tensor_name_is_reported_with_the_file()
    {
        using var directory = new TempDirectory();
        var path = directory.File("one.safetensors");
        using var a = torch.ones(1);
        Safetensors.Write(path, new Dictionary<string, torch.Tensor> { ["a"] = a });
        using var file = SafetensorsFile.Open(path);

        var error = Assert.Throws<KeyNotFoundException>(() => file.Read("b"));

        Assert.Contains("'b'", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(12)]
    [InlineData(1 << 30)]
    public void Chunked_copies_keep_every_byte(long chunkBytes)
    {
        // Real tensors are chunked at 1 GB; small chunks exercise the same loop on a small tensor.
        using var original = torch.arange(15, dtype: torch.ScalarType.Float32).reshape(5, 3) * 1.5;
        using var stream = new MemoryStream();

        TensorBytes.WriteTo(original, stream, chunkBytes);
        using var copy = torch.empty(5, 3);
        TensorBytes.CopyInto(copy, stream.ToArray(), chunkBytes);

        Assert.Equal(60, stream.Length);
        Assert.True(original.eq(copy).all().item<bool>());
    }
}
