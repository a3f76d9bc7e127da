package dev.scaivault.file;

/** How the content of a secret file (or directory) is read into key/value pairs. */
public enum FileFormat {
    /**
     * Decided per read: a directory is {@link #DIRECTORY}; a file named {@code *.properties} is {@link
     * #PROPERTIES}, {@code *.env} is {@link #DOTENV}; otherwise content starting with <code>&#123;</code> is {@link
     * #ENVELOPE} if it has an object {@code data} and a {@code version}, else {@link #JSON}; anything else is
     * {@link #DOTENV}.
     */
    AUTO,
    /** A JSON object of keys to values (a secret's {@code data}); non-string values become their JSON text. */
    JSON,
    /** A whole secret as ScaiVault returns it: {@code {"data": {...}, "version": 7, ...}}. */
    ENVELOPE,
    /** {@code KEY=value} lines, optional {@code export}, {@code #} comments, single or double quotes. */
    DOTENV,
    /** Java {@link java.util.Properties} text, read as UTF-8. */
    PROPERTIES,
    /**
     * A directory with one value per file, as kubelet and the Secrets Store CSI driver mount a Secret: file
     * name = key, file content (exact bytes, UTF-8) = value. Names starting with a dot are ignored.
     */
    DIRECTORY;

    /**
     * The format named {@code name} (any case: {@code json}, {@code dotenv}, ...), for configuration that
     * arrives as text (a property, an environment variable, a command-line flag).
     *
     * @throws IllegalArgumentException naming the value and the formats there are
     */
    public static FileFormat of(String name) {
        String n = name == null ? "" : name.strip();
        for (FileFormat f : values()) {
            if (f.name().equalsIgnoreCase(n)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown file format '" + name + "': use one of " + known());
    }

    static String known() {
        StringBuilder b = new StringBuilder();
        for (FileFormat f : values()) {
            b.append(b.length() == 0 ? "" : ", ").append(f.name().toLowerCase(java.util.Locale.ROOT));
        }
        return b.toString();
    }
}
