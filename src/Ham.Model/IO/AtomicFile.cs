namespace Ham.Model.IO;

/// <summary>
/// Writes a file so that readers see either the old content or the whole new one, never a part: the content goes
/// to a temporary file beside the target, is flushed to disk, and is then renamed over it.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> writeContent)
    {
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath)!;
        if (Directory.Exists(fullPath))
            throw new IOException($"cannot write {path}: it is a folder; expected a file path");
        var temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            FileStream stream;
            try
            {
                Directory.CreateDirectory(directory);
                stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None,
                    bufferSize: 1 << 20);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The error names the temporary file (or a file where a folder should be); name the target.
                throw new IOException($"cannot write {path}: {e.Message}", e);
            }
            using (stream)
            {
                writeContent(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
            writer.Write(text);
        });
}
