using System.Buffers.Binary;
using Ham.Model.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace Ham.Model.Tests;

public sealed class ImageDecoderTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("ham-decoder-test-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }

    private string Save<TPixel>(string name, Image<TPixel> image, SixLabors.ImageSharp.Formats.IImageEncoder encoder)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        var path = Path.Combine(folder, name);
        image.Save(path, encoder);
        return path;
    }

    private string SaveBytes(string name, byte[] bytes)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Colour_jpeg_decodes_to_rgb24()
    {
        using var source = new Image<Rgb24>(16, 8, new Rgb24(200, 40, 90));
        var path = Save("colour.jpg", source, new JpegEncoder { Quality = 100 });

        using var image = ImageDecoder.Decode(path);

        Assert.Equal((16, 8), (image.Width, image.Height));
        AssertNear(new Rgb24(200, 40, 90), image[5, 5], 4);
    }

    [Fact]
    public void Greyscale_jpeg_and_png_become_three_equal_channels()
    {
        using var source = new Image<L8>(8, 8, new L8(77));
        var jpeg = Save("grey.jpg", source, new JpegEncoder { ColorType = JpegColorType.Luminance, Quality = 100 });
        var png = Save("grey.png", source, new PngEncoder { ColorType = PngColorType.Grayscale });

        using var fromJpeg = ImageDecoder.Decode(jpeg);
        using var fromPng = ImageDecoder.Decode(png);

        AssertNear(new Rgb24(77, 77, 77), fromJpeg[3, 3], 2);
        Assert.Equal(new Rgb24(77, 77, 77), fromPng[3, 3]);
    }

    [Fact]
    public void Sixteen_bit_png_becomes_eight_bit()
    {
        using var source = new Image<Rgb48>(4, 4, new Rgb48(65535, 32896, 0));
        var encoder = new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Rgb };
        var path = Save("deep.png", source, encoder);

        using var image = ImageDecoder.Decode(path);

        Assert.Equal(new Rgb24(255, 128, 0), image[1, 1]);
    }

    [Fact]
    public void Transparency_is_composited_over_white()
    {
        using var source = new Image<Rgba32>(4, 1);
        source[0, 0] = new Rgba32(0, 0, 0, 0);        // fully transparent black -> white
        source[1, 0] = new Rgba32(0, 0, 0, 255);      // opaque black stays black
        source[2, 0] = new Rgba32(255, 0, 0, 128);    // half red -> pink
        source[3, 0] = new Rgba32(10, 20, 30, 255);
        var rgba = Save("alpha.png", source, new PngEncoder { ColorType = PngColorType.RgbWithAlpha });

        using var image = ImageDecoder.Decode(rgba);

        Assert.Equal(new Rgb24(255, 255, 255), image[0, 0]);
        Assert.Equal(new Rgb24(0, 0, 0), image[1, 0]);
        Assert.Equal(new Rgb24(255, 127, 127), image[2, 0]);
        Assert.Equal(new Rgb24(10, 20, 30), image[3, 0]);
    }

    [Fact]
    public void Palette_png_with_a_transparent_entry_becomes_rgb_over_white()
    {
        using var source = new Image<Rgba32>(2, 1);
        source[0, 0] = new Rgba32(0, 0, 255, 255);
        source[1, 0] = new Rgba32(0, 0, 0, 0);
        var path = Save("palette.png", source, new PngEncoder { ColorType = PngColorType.Palette });

        using var image = ImageDecoder.Decode(path);

        Assert.Equal(new Rgb24(0, 0, 255), image[0, 0]);
        Assert.Equal(new Rgb24(255, 255, 255), image[1, 0]);
    }

    [Fact]
    public void Adobe_cmyk_jpeg_becomes_rgb()
    {
        // Stored inverted, as Adobe writes CMYK: C = 255, M = 0, Y = 255, K = 255 reads as magenta.
        var path = SaveBytes("cmyk.jpg", SolidCmykJpeg([255, 0, 255, 255]));

        using var image = ImageDecoder.Decode(path);

        Assert.Equal((8, 8), (image.Width, image.Height));
        AssertNear(new Rgb24(255, 0, 255), image[4, 4], 2);
    }

    [Theory]
    [InlineData(20_000, 10)]      // a side over 16k
    [InlineData(12_000, 12_000)]  // 144 MP
    public void Absurd_declared_sizes_are_refused_from_the_header(int width, int height)
    {
        // Only a header: had the decoder allocated the pixels first it would fail differently (or not at all).
        var path = SaveBytes("huge.png", PngHeaderOnly(width, height));

        var error = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(path));

        Assert.Contains(path, error.Message);
        Assert.Contains($"{width}×{height}", error.Message);
    }

    [Fact]
    public void Undecodable_bytes_name_the_file()
    {
        var path = SaveBytes("noise.jpg", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

        var error = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(path));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void A_corrupt_png_body_names_the_file()
    {
        var bytes = PngHeaderOnly(8, 8).Concat(Chunk("IDAT", [0xde, 0xad, 0xbe, 0xef, 1, 2, 3])).ToArray();
        var path = SaveBytes("corrupt.png", bytes);

        var error = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(path));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Streams_and_bytes_decode_like_files()
    {
        using var source = new Image<Rgb24>(3, 2, new Rgb24(1, 2, 3));
        var path = Save("small.png", source, new PngEncoder());
        var bytes = File.ReadAllBytes(path);

        using var fromBytes = ImageDecoder.Decode(bytes, "small");
        using var stream = new MemoryStream(bytes);
        using var fromStream = ImageDecoder.Decode(stream, "small");

        Assert.Equal(new Rgb24(1, 2, 3), fromBytes[2, 1]);
        Assert.Equal(new Rgb24(1, 2, 3), fromStream[2, 1]);
    }

    private static void AssertNear(Rgb24 expected, Rgb24 actual, int tolerance) =>
        Assert.True(Math.Abs(expected.R - actual.R) <= tolerance && Math.Abs(expected.G - actual.G) <= tolerance
                    && Math.Abs(expected.B - actual.B) <= tolerance, $"expected {expected}, found {actual}");

    private static byte[] PngHeaderOnly(int width, int height)
    {
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;   // bit depth
        header[9] = 2;   // RGB
        return [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a, .. Chunk("IHDR", header)];
    }

    private static byte[] Chunk(string type, byte[] data)
    {
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        var chunk = new byte[8 + data.Length + 4];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        typed.CopyTo(chunk, 4);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32(typed));
        return chunk;
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xffffffffu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }

    // A baseline 8×8 JPEG of one colour in four components (Adobe APP14, transform 0 = CMYK): each component is
    // one block with only a DC coefficient (quantiser 1, DC = 8·(v − 128)) followed by end-of-block.
    private static byte[] SolidCmykJpeg(byte[] cmyk)
    {
        var output = new List<byte> { 0xff, 0xd8 };
        void Segment(byte marker, params byte[] body)
        {
            output.AddRange([0xff, marker, (byte)((body.Length + 2) >> 8), (byte)(body.Length + 2)]);
            output.AddRange(body);
        }
        Segment(0xee, [(byte)'A', (byte)'d', (byte)'o', (byte)'b', (byte)'e', 0, 100, 0, 0, 0, 0, 0]);
        Segment(0xdb, [0, .. Enumerable.Repeat((byte)1, 64)]);
        Segment(0xc0, [8, 0, 8, 0, 8, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]);
        // DC table 0: the standard luminance DC code (categories 0..11); AC table 0: only end-of-block, code "0".
        Segment(0xc4, [0x00, 0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        Segment(0xc4, [0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]);
        Segment(0xda, [4, 1, 0x00, 2, 0x00, 3, 0x00, 4, 0x00, 0, 63, 0]);

        string[] dcCodes = ["00", "010", "011", "100", "101", "110", "1110", "11110", "111110", "1111110",
            "11111110", "111111110"];
        var bits = new System.Text.StringBuilder();
        foreach (var value in cmyk)
        {
            var dc = 8 * (value - 128);
            var category = dc == 0 ? 0 : (int)Math.Floor(Math.Log2(Math.Abs(dc))) + 1;
            bits.Append(dcCodes[category]);
            if (category > 0)
            {
                var raw = dc > 0 ? dc : dc + (1 << category) - 1;
                bits.Append(Convert.ToString(raw, 2).PadLeft(category, '0'));
            }
            bits.Append('0');   // end of block
        }
        while (bits.Length % 8 != 0) bits.Append('1');
        for (var i = 0; i < bits.Length; i += 8)
        {
            var b = Convert.ToByte(bits.ToString(i, 8), 2);
            output.Add(b);
            if (b == 0xff) output.Add(0);
        }
        output.AddRange([0xff, 0xd9]);
        return output.ToArray();
    }
}
