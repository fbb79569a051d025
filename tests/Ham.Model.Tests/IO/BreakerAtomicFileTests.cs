using Ham.Model.IO;
using Xunit;

namespace Ham.Model.Tests.IO;

/// <summary>Outputs that cannot be written: the error names the target, not a temporary; nothing is left over.
/// </summary>
public sealed class BreakerAtomicFileTests
{
    [Fact]
    public void A_file_where_the_output_folder_should_be_is_named_in_the_error()
    {
        using var temp = new TempDirectory();
        var notAFolder = temp.File("model.safetensors");
        File.WriteAllText(notAFolder, "input");
        var target = Path.Combine(notAFolder, "out.safetensors");

        var error = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(target, "x"));

        Assert.StartsWith($"cannot write {target}:", error.Message);
        Assert.Equal("input", File.ReadAllText(notAFolder));
        Assert.Single(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void An_existing_folder_as_the_output_is_refused_before_anything_is_written()
    {
        using var temp = new TempDirectory();

        var error = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(temp.Path, "x"));

        Assert.Contains("is a folder", error.Message);
        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void An_error_while_writing_the_content_keeps_the_old_file_and_leaves_no_temporary()
    {
        using var temp = new TempDirectory();
        var target = temp.File("out.txt");
        File.WriteAllText(target, "old");

        Assert.Throws<InvalidDataException>(() => AtomicFile.Write(target, stream =>
        {
            stream.WriteByte(1);
            throw new InvalidDataException("bad input");
        }));

        Assert.Equal("old", File.ReadAllText(target));
        Assert.Single(Directory.GetFiles(temp.Path));
    }
}
