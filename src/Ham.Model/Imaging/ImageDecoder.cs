using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace Ham.Model.Imaging;

/// <summary>
/// Decodes image files (JPEG, PNG, BMP, GIF, WebP, TIFF, TGA, PBM) into 8-bit RGB. Greyscale, palette, CMYK/YCCK
/// and 16-bit images all become Rgb24. Transparency (an alpha channel, or a palette or PNG tRNS transparent colour)
/// is composited over white: out = a·rgb + (1 − a)·255, so that transparent backgrounds of drawings read as paper.
/// (PIL's convert("RGB"), which DomainBed uses, drops alpha instead and keeps whatever colour the transparent
/// pixels hold; PACS has no transparency, so the two agree there.) A header declaring more than
/// <see cref="MaxSide"/> pixels per side or <see cref="MaxPixels"/> pixels is refused before pixels are allocated.
/// </summary>
public static class ImageDecoder
{
    /// <summary>Largest accepted width or height in pixels.</summary>
    public const int MaxSide = 16384;

    /// <summary>Largest accepted width × height.</summary>
    public const long MaxPixels = 100_000_000;

    // One image is decoded and resized on one thread: callers decode many images in parallel.
    private static readonly Configuration SingleThreaded = CreateConfiguration();

    private static Configuration CreateConfiguration()
    {
        var configuration = Configuration.Default.Clone();
        configuration.MaxDegreeOfParallelism = 1;
        return configuration;
    }

    /// <summary>Decodes a file; InvalidDataException naming it when it is not a readable image.</summary>
    public static Image<Rgb24> Decode(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"image not found: {path}", path);
        var bytes = File.ReadAllBytes(path);
        return Decode(bytes, path);
    }

    /// <summary>Decodes a stream; <paramref name="name"/> names the source in error messages.</summary>
    public static Image<Rgb24> Decode(Stream stream, string name)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Decode(buffer.ToArray(), name);
    }

    /// <summary>Decodes bytes; <paramref name="name"/> names the source in error messages.</summary>
    public static Image<Rgb24> Decode(byte[] bytes, string name)
    {
        var (info, format) = Identify(bytes, name);
        CheckSize(info, name);
        try
        {
            if (format is JpegFormat) return Image.Load<Rgb24>(SingleThreaded, bytes);

            using var rgba = Image.Load<Rgba32>(SingleThreaded, bytes);
            return CompositeOverWhite(rgba);
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException
                                      or ImageFormatException or NotSupportedException)
        {
            throw new InvalidDataException($"{name}: cannot decode the {format.Name} image: {e.Message}", e);
        }
    }

    private static (IImageInfo Info, IImageFormat Format) Identify(byte[] bytes, string name)
    {
        try
        {
            var info = Image.Identify(SingleThreaded, bytes, out var format);
            if (info is null || format is null)
                throw new InvalidDataException(
                    $"{name}: not a readable image ({bytes.Length} bytes; expected JPEG, PNG, BMP, GIF, WebP, " +
                    "TIFF, ...)");
            return (info, format);
        }
        catch (Exception e) when (e is InvalidImageContentException or ImageFormatException
                                      or NotSupportedException)
        {
            throw new InvalidDataException($"{name}: not a readable image header: {e.Message}", e);
        }
    }

    private static void CheckSize(IImageInfo info, string name)
    {
        if (info.Width <= 0 || info.Height <= 0 || info.Width > MaxSide || info.Height > MaxSide
            || (long)info.Width * info.Height > MaxPixels)
        {
            throw new InvalidDataException(
                $"{name}: the header declares {info.Width}×{info.Height} pixels; at most {MaxSide} per side and " +
                $"{MaxPixels / 1_000_000} MP are accepted");
        }
    }

    private static Image<Rgb24> CompositeOverWhite(Image<Rgba32> rgba)
    {
        var rgb = new Image<Rgb24>(SingleThreaded, rgba.Width, rgba.Height);
        rgba.ProcessPixelRows(rgb, (source, target) =>
        {
            for (var y = 0; y < source.Height; y++)
            {
                var from = source.GetRowSpan(y);
                var to = target.GetRowSpan(y);
                for (var x = 0; x < from.Length; x++)
                {
                    var p = from[x];
                    to[x] = p.A == 255
                        ? new Rgb24(p.R, p.G, p.B)
                        : new Rgb24(Over(p.R, p.A), Over(p.G, p.A), Over(p.B, p.A));
                }
            }
        });
        return rgb;
    }

    // a·c + (1 − a)·255 in 8-bit, rounded.
    private static byte Over(byte channel, byte alpha) => (byte)((channel * alpha + 255 * (255 - alpha) + 127) / 255);
}
