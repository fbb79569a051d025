using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Ham.Cli.Data;

/// <summary>How big a generated data set is.</summary>
/// <param name="ImagesPerClass">Images per domain and class.</param>
/// <param name="Size">Side of the square images in pixels.</param>
public sealed record SyntheticOptions(int ImagesPerClass = 48, int Size = 64);

/// <summary>
/// A small multi-domain data set that Ham generates itself, in DomainBed's layout: six classes of shapes drawn in
/// four styles. cartoon: flat colours with a black outline on a pastel ground; painting: noisy, blotchy colour with
/// soft edges (JPEG); photo: striped or checkered texture on a shaded, textured ground (JPEG); sketch: thin dark
/// outlines on white paper. Position, size, rotation and colours vary per image; the shape is the only thing that
/// tells the class, so a style-free shape feature transfers to a held-out style and style-bound features do not.
/// Deterministic by seed (every image has its own generator derived from seed, domain, class and index).
/// </summary>
public static class SyntheticDomains
{
    /// <summary>The domain folder names, in order.</summary>
    public static IReadOnlyList<string> Domains { get; } = ["cartoon", "painting", "photo", "sketch"];

    /// <summary>The class folder names, in order.</summary>
    public static IReadOnlyList<string> Classes { get; } = ["circle", "cross", "ring", "square", "star", "triangle"];

    private const string MarkerFile = "synthetic.json";

    /// <summary>
    /// Writes the data set into <paramref name="directory"/> and returns its full path. A directory that already
    /// holds the same data set (same seed and options, per its synthetic.json) is reused as it is; any other
    /// non-empty directory is an IOException. The images are written beside it first and moved in when complete.
    /// </summary>
    public static string Write(string directory, int seed, SyntheticOptions? options = null)
    {
        options ??= new SyntheticOptions();
        if (options.ImagesPerClass < 1)
            throw new ArgumentOutOfRangeException(nameof(options),
                $"ImagesPerClass {options.ImagesPerClass} must be >= 1");
        if (options.Size < 16)
            throw new ArgumentOutOfRangeException(nameof(options), $"Size {options.Size} must be >= 16 pixels");

        var target = Path.GetFullPath(directory);
        var marker = JsonSerializer.Serialize(new { seed, options.ImagesPerClass, options.Size, version = 1 });
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            var existing = Path.Combine(target, MarkerFile);
            if (File.Exists(existing) && File.ReadAllText(existing) == marker) return target;
            throw new IOException(
                $"{target} is not empty and does not hold the synthetic data set of seed {seed} " +
                $"({options.ImagesPerClass} images per class, {options.Size} px); choose an empty folder");
        }

        var staging = target.TrimEnd(Path.DirectorySeparatorChar) + $".partial-{Guid.NewGuid():N}";
        try
        {
            var jobs = from d in Enumerable.Range(0, Domains.Count)
                       from c in Enumerable.Range(0, Classes.Count)
                       from i in Enumerable.Range(0, options.ImagesPerClass)
                       select (d, c, i);
            foreach (var d in Domains)
                foreach (var c in Classes) Directory.CreateDirectory(Path.Combine(staging, d, c));
            Parallel.ForEach(jobs, job => WriteImage(staging, seed, options.Size, job.d, job.c, job.i));
            File.WriteAllText(Path.Combine(staging, MarkerFile), marker);

            if (Directory.Exists(target)) Directory.Delete(target);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            Directory.Move(staging, target);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        return target;
    }

    private static void WriteImage(string root, int seed, int size, int domain, int cls, int index)
    {
        var random = new Random(HashCode32(seed, domain, cls, index));
        using var image = Render(Domains[domain], cls, size, random);
        var jpeg = Domains[domain] is "photo" or "painting";
        var file = $"{Classes[cls]}_{index:D3}.{(jpeg ? "jpg" : "png")}";
        var path = Path.Combine(root, Domains[domain], Classes[cls], file);
        using var stream = File.Create(path);
        if (jpeg) image.Save(stream, new JpegEncoder { Quality = 90 });
        else image.Save(stream, new PngEncoder());
    }

    // A stable mix of the four numbers (System.HashCode is randomised per process).
    private static int HashCode32(int seed, int domain, int cls, int index)
    {
        unchecked
        {
            var h = 2166136261u;
            foreach (var v in new[] { seed, domain, cls, index })
            {
                h = (h ^ (uint)v) * 16777619u;
                h ^= h >> 15;
                h *= 0x2c1b3c6du;
            }
            return (int)(h & 0x7fffffff);
        }
    }

    private static Image<Rgb24> Render(string style, int cls, int size, Random random)
    {
        var shape = new Placement(
            CenterX: size * (0.35 + 0.3 * random.NextDouble()),
            CenterY: size * (0.35 + 0.3 * random.NextDouble()),
            Radius: size * (0.22 + 0.1 * random.NextDouble()),
            Angle: random.NextDouble() * 2 * Math.PI);
        var pixels = new float[size, size, 3];
        switch (style)
        {
            case "cartoon": Cartoon(pixels, cls, shape, random); break;
            case "painting": Painting(pixels, cls, shape, random); break;
            case "photo": Photo(pixels, cls, shape, random); break;
            default: Sketch(pixels, cls, shape, random); break;
        }
        var image = new Image<Rgb24>(size, size);
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
                image[x, y] = new Rgb24(Byte(pixels[y, x, 0]), Byte(pixels[y, x, 1]), Byte(pixels[y, x, 2]));
        return image;
    }

    private static byte Byte(float value) => (byte)Math.Clamp(MathF.Round(value * 255f), 0f, 255f);

    /// <summary>Where a shape sits: center and radius in pixels, rotation in radians.</summary>
    private sealed record Placement(double CenterX, double CenterY, double Radius, double Angle);

    private const int Supersampling = 2;

    // The shape sampled at 2×2 points per pixel: [size·2, size·2] inside flags.
    private static bool[,] Mask(int cls, Placement shape, int size)
    {
        var n = size * Supersampling;
        var mask = new bool[n, n];
        for (var sy = 0; sy < n; sy++)
        {
            for (var sx = 0; sx < n; sx++)
            {
                var (u, v) = ToShape(shape, (sx + 0.5) / Supersampling, (sy + 0.5) / Supersampling);
                mask[sy, sx] = Inside(cls, u, v);
            }
        }
        return mask;
    }

    // Samples within `reach` samples of the boundary: dilation and not erosion (separable square windows).
    private static bool[,] Outline(bool[,] mask, int reach)
    {
        var dilated = Window(Window(mask, reach, any: true, horizontal: true), reach, any: true, horizontal: false);
        var eroded = Window(Window(mask, reach, any: false, horizontal: true), reach, any: false, horizontal: false);
        var n = mask.GetLength(0);
        var outline = new bool[n, n];
        for (var y = 0; y < n; y++)
            for (var x = 0; x < n; x++) outline[y, x] = dilated[y, x] && !eroded[y, x];
        return outline;
    }

    private static bool[,] Window(bool[,] mask, int reach, bool any, bool horizontal)
    {
        var n = mask.GetLength(0);
        var result = new bool[n, n];
        for (var y = 0; y < n; y++)
        {
            for (var x = 0; x < n; x++)
            {
                var value = !any;
                for (var k = -reach; k <= reach && value != any; k++)
                {
                    var (yy, xx) = horizontal ? (y, x + k) : (y + k, x);
                    var sample = yy >= 0 && yy < n && xx >= 0 && xx < n && mask[yy, xx];
                    if (sample == any) value = any;
                }
                result[y, x] = value;
            }
        }
        return result;
    }

    // Fraction of each pixel's samples that are set: [size·2, size·2] -> [size, size].
    private static float[,] Coverage(bool[,] samples)
    {
        var size = samples.GetLength(0) / Supersampling;
        var coverage = new float[size, size];
        for (var sy = 0; sy < samples.GetLength(0); sy++)
            for (var sx = 0; sx < samples.GetLength(1); sx++)
                if (samples[sy, sx])
                    coverage[sy / Supersampling, sx / Supersampling] += 1f / (Supersampling * Supersampling);
        return coverage;
    }

    private static (double U, double V) ToShape(Placement shape, double px, double py)
    {
        var dx = (px - shape.CenterX) / shape.Radius;
        var dy = (py - shape.CenterY) / shape.Radius;
        var (sin, cos) = Math.SinCos(shape.Angle);
        return (cos * dx + sin * dy, -sin * dx + cos * dy);
    }

    // The six classes, each in a unit frame (radius about 1).
    private static bool Inside(int cls, double u, double v)
    {
        var r = Math.Sqrt(u * u + v * v);
        switch (Classes[cls])
        {
            case "circle": return r < 0.95;
            case "ring": return r < 1.0 && r > 0.6;
            case "square": return Math.Abs(u) < 0.78 && Math.Abs(v) < 0.78;
            case "cross": return (Math.Abs(u) < 0.3 && Math.Abs(v) < 1.0) || (Math.Abs(v) < 0.3 && Math.Abs(u) < 1.0);
            case "star":
                var theta = Math.Atan2(v, u);
                var spike = Math.Pow(0.5 + 0.5 * Math.Cos(5 * theta), 2);
                return r < 0.42 + 0.63 * spike;
            default:
                // Equilateral triangle pointing up, circumradius 1: three half-planes.
                for (var k = 0; k < 3; k++)
                {
                    var (s, c) = Math.SinCos(Math.PI / 2 + k * 2 * Math.PI / 3);
                    if (-(u * c + v * s) > 0.5) return false;
                }
                return true;
        }
    }

    private static (float R, float G, float B) RandomColour(Random random, float minimum, float maximum)
    {
        float Channel() => minimum + (maximum - minimum) * (float)random.NextDouble();
        return (Channel(), Channel(), Channel());
    }

    private static void Blend(float[,,] pixels, int x, int y, (float R, float G, float B) colour, float amount)
    {
        pixels[y, x, 0] += (colour.R - pixels[y, x, 0]) * amount;
        pixels[y, x, 1] += (colour.G - pixels[y, x, 1]) * amount;
        pixels[y, x, 2] += (colour.B - pixels[y, x, 2]) * amount;
    }

    private static void Fill(float[,,] pixels, (float R, float G, float B) colour)
    {
        for (var y = 0; y < pixels.GetLength(0); y++)
            for (var x = 0; x < pixels.GetLength(1); x++) Blend(pixels, x, y, colour, 1f);
    }

    private static void Cartoon(float[,,] pixels, int cls, Placement shape, Random random)
    {
        Fill(pixels, RandomColour(random, 0.75f, 1f));
        var colour = RandomColour(random, 0.1f, 0.9f);
        var size = pixels.GetLength(0);
        var mask = Mask(cls, shape, size);
        var fill = Coverage(mask);
        var line = Coverage(Outline(mask, reach: 2));
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                Blend(pixels, x, y, colour, fill[y, x]);
                Blend(pixels, x, y, (0.05f, 0.05f, 0.05f), line[y, x]);
            }
        }
    }

    private static void Painting(float[,,] pixels, int cls, Placement shape, Random random)
    {
        var size = pixels.GetLength(0);
        Fill(pixels, RandomColour(random, 0.3f, 0.8f));
        for (var blob = 0; blob < 12; blob++)
        {
            var (bx, by) = (random.NextDouble() * size, random.NextDouble() * size);
            var br = size * (0.05 + 0.15 * random.NextDouble());
            var colour = RandomColour(random, 0.2f, 0.9f);
            for (var y = 0; y < size; y++)
            {
                for (var x = 0; x < size; x++)
                {
                    var d = Math.Sqrt((x - bx) * (x - bx) + (y - by) * (y - by)) / br;
                    if (d < 1) Blend(pixels, x, y, colour, (float)(0.6 * (1 - d)));
                }
            }
        }
        var paint = RandomColour(random, 0.1f, 0.9f);
        // Soft, uneven edge: the average of two slightly different outlines.
        var inner = Coverage(Mask(cls, shape, size));
        var outer = Coverage(Mask(cls, shape with { Radius = shape.Radius * 1.08 }, size));
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var cover = 0.5f * (inner[y, x] + outer[y, x]);
                Blend(pixels, x, y, paint, cover * (0.7f + 0.3f * (float)random.NextDouble()));
                for (var ch = 0; ch < 3; ch++) pixels[y, x, ch] += 0.12f * (float)(random.NextDouble() - 0.5);
            }
        }
    }

    private static void Photo(float[,,] pixels, int cls, Placement shape, Random random)
    {
        var size = pixels.GetLength(0);
        var (top, bottom) = (RandomColour(random, 0.2f, 0.9f), RandomColour(random, 0.1f, 0.7f));
        var (a, b) = (RandomColour(random, 0.0f, 1f), RandomColour(random, 0.0f, 1f));
        var period = 3 + random.Next(5);
        var checkered = random.Next(2) == 0;
        var grain = 0.03 + 0.05 * random.NextDouble();
        var fill = Coverage(Mask(cls, shape, size));
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var t = y / (float)(size - 1);
                pixels[y, x, 0] = top.R + (bottom.R - top.R) * t;
                pixels[y, x, 1] = top.G + (bottom.G - top.G) * t;
                pixels[y, x, 2] = top.B + (bottom.B - top.B) * t;
                var (u, v) = ToShape(shape, x + 0.5, y + 0.5);
                var stripe = checkered
                    ? ((int)Math.Floor(u * shape.Radius / period) + (int)Math.Floor(v * shape.Radius / period)) % 2 == 0
                    : ((int)Math.Floor((u + v) * shape.Radius / period) & 1) == 0;
                var shade = (float)(0.75 + 0.25 * Math.Clamp(1 - 0.5 * (u + v), 0, 1.5));
                var texture = stripe ? a : b;
                Blend(pixels, x, y, (texture.R * shade, texture.G * shade, texture.B * shade), fill[y, x]);
                for (var ch = 0; ch < 3; ch++) pixels[y, x, ch] += (float)(grain * (random.NextDouble() - 0.5));
            }
        }
    }

    private static void Sketch(float[,,] pixels, int cls, Placement shape, Random random)
    {
        var size = pixels.GetLength(0);
        var paper = 0.92f + 0.08f * (float)random.NextDouble();
        Fill(pixels, (paper, paper, paper));
        var ink = 0.05f + 0.3f * (float)random.NextDouble();
        var reach = 1 + random.Next(2);
        // A second, slightly shifted stroke, as a hand draws an outline twice.
        var retrace = shape with
        {
            CenterX = shape.CenterX + random.NextDouble() - 0.5,
            CenterY = shape.CenterY + random.NextDouble() - 0.5,
            Angle = shape.Angle + 0.05 * (random.NextDouble() - 0.5),
        };
        var first = Coverage(Outline(Mask(cls, shape, size), reach));
        var second = Coverage(Outline(Mask(cls, retrace, size), reach));
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var stroke = Math.Max(first[y, x], 0.6f * second[y, x]);
                Blend(pixels, x, y, (ink, ink, ink), stroke);
            }
        }
    }
}
