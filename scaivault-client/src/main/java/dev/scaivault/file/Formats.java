package dev.scaivault.file;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.scaivault.BoundedFiles;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;

/**
 * Parses secret content into a {@link FileSecret}. Every error names the file, the format and where (line,
 * column, key), and never quotes the content: a parser's own message often does, so none is passed on.
 */
final class Formats {
    /** Keys in one file (or files in one directory): more is a mistake, not a secret, and costs memory. */
    static final int MAX_KEYS = 10_000;

    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();

    /** Formats people put secrets in that we do not read: guessing dotenv for them would mislead. */
    private static final List<String> UNSUPPORTED = List.of(".yaml", ".yml", ".toml", ".ini", ".xml", ".hcl");

    private Formats() {}

    /** The format {@code AUTO} means for a file named {@code file} with this content (never DIRECTORY). */
    static FileFormat detect(Path file, byte[] content) {
        String name =
                file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".properties")) {
            return FileFormat.PROPERTIES;
        }
        if (name.endsWith(".env")) {
            return FileFormat.DOTENV;
        }
        int i = 0;
        while (i < content.length && Character.isWhitespace(content[i])) {
            i++;
        }
        if (name.endsWith(".json") || (i < content.length && content[i] == '{')) {
            return looksLikeEnvelope(content) ? FileFormat.ENVELOPE : FileFormat.JSON;
        }
        return FileFormat.DOTENV;
    }

    private static boolean looksLikeEnvelope(byte[] content) {
        try {
            JsonNode n = JSON.readTree(content);
            return n != null && n.path("data").isObject() && n.has("version");
        } catch (IOException e) {
            // Not JSON at all: the JSON parser reports that with a line and column.
            return false;
        }
    }

    /**
     * @param configured the path the user configured (named in errors)
     * @param file the file actually read (its name decides {@code AUTO})
     */
    static FileSecret parseFile(Path configured, Path file, FileFormat requested, byte[] content) {
        if (requested == FileFormat.AUTO) {
            String n = file.getFileName() == null
                    ? ""
                    : file.getFileName().toString().toLowerCase(Locale.ROOT);
            for (String ext : UNSUPPORTED) {
                if (n.endsWith(ext)) {
                    throw new FileSecretException(
                            configured,
                            "file " + configured + ": the format of " + ext + " files is unknown (formats: "
                                    + FileFormat.known() + "); convert it, or set format(...) if it is one of those");
                }
            }
        }
        FileFormat format = requested == FileFormat.AUTO ? detect(file, content) : requested;
        String where = "file " + configured + " (" + (requested == FileFormat.AUTO ? "auto-detected as " : "")
                + name(format) + ")";
        if (format == FileFormat.DIRECTORY) {
            throw new FileSecretException(configured, where + ": is a file, not a directory");
        }
        if (content.length == 0) {
            throw new FileSecretException(configured, where + ": is empty");
        }
        // Every format is UTF-8: JSON parsers would also take UTF-16 or let a bad sequence through in a string.
        String text = utf8(configured, where, content);
        Map<String, String> values;
        Long version = null;
        switch (format) {
            case JSON -> values = fromObject(configured, where, readJson(configured, where, content), "");
            case ENVELOPE -> {
                JsonNode root = readJson(configured, where, content);
                JsonNode data = root.get("data");
                if (data == null || !data.isObject()) {
                    throw new FileSecretException(configured, where + ": has no object \"data\"");
                }
                JsonNode v = root.get("version");
                if (v != null && !v.isNull()) {
                    if (!v.canConvertToExactIntegral() || !v.canConvertToLong()) {
                        throw new FileSecretException(configured, where + ": \"version\" is not an integer");
                    }
                    version = v.asLong();
                }
                values = fromObject(configured, where, data, "data.");
            }
            case DOTENV -> values = dotenv(configured, where, text);
            case PROPERTIES -> values = properties(configured, where, text);
            default -> throw new IllegalArgumentException("format " + format);
        }
        if (values.isEmpty()) {
            throw new FileSecretException(configured, where + ": has no keys");
        }
        checkKeys(configured, where, values.size());
        Map<String, byte[]> raw = new HashMap<>();
        values.forEach((k, v) -> raw.put(k, v.getBytes(StandardCharsets.UTF_8)));
        return FileSecret.of(configured, format, values, version, raw);
    }

    /** A directory's files (name to exact bytes), already read as one consistent snapshot. */
    static FileSecret parseDirectory(Path configured, SortedMap<String, byte[]> files) {
        if (files.isEmpty()) {
            throw new FileSecretException(configured, "directory " + configured + ": has no files");
        }
        checkKeys(configured, "directory " + configured, files.size());
        Map<String, String> values = new LinkedHashMap<>();
        files.forEach((k, v) -> values.put(k, utf8(configured, "directory " + configured + ": file " + k, v)));
        return FileSecret.of(configured, FileFormat.DIRECTORY, values, null, files);
    }

    static void checkKeys(Path configured, String where, int keys) {
        if (keys > MAX_KEYS) {
            throw new FileSecretException(
                    configured, where + ": has " + keys + " keys, more than the limit of " + MAX_KEYS);
        }
    }

    static String name(FileFormat f) {
        return f.name().toLowerCase(Locale.ROOT);
    }

    private static JsonNode readJson(Path configured, String where, byte[] content) {
        try (JsonParser p = JSON.createParser(content)) {
            JsonNode root = JSON.readTree(p);
            if (root == null || root.isMissingNode()) {
                throw new FileSecretException(configured, where + ": is empty");
            }
            if (!root.isObject()) {
                throw new FileSecretException(configured, where + ": is not a JSON object");
            }
            if (p.nextToken() != null) {
                JsonLocation at = p.currentTokenLocation();
                throw new FileSecretException(
                        configured,
                        where + ": unexpected content after the JSON object at line " + at.getLineNr() + ", column "
                                + at.getColumnNr());
            }
            return root;
        } catch (StreamConstraintsException e) {
            // These messages state the limit and the size found, never the content.
            throw new FileSecretException(
                    configured, where + ": exceeds a JSON parser limit: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String pos = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            String what =
                    e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")
                            ? "a key appears twice"
                            : "not valid JSON";
            throw new FileSecretException(configured, where + ": " + what + pos);
        } catch (IOException e) {
            throw new FileSecretException(
                    configured, where + ": cannot be parsed (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static Map<String, String> fromObject(Path configured, String where, JsonNode obj, String prefix) {
        checkKeys(configured, where, obj.size());
        Map<String, String> values = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode v = e.getValue();
            if (key.isEmpty()) {
                throw new FileSecretException(configured, where + ": has an empty key");
            }
            if (v.isNull()) {
                throw new FileSecretException(configured, where + ": key \"" + prefix + key + "\" is null");
            }
            values.put(key, v.isValueNode() ? v.asText() : v.toString());
        }
        return values;
    }

    private static String utf8(Path configured, String where, byte[] content) {
        try {
            return BoundedFiles.utf8(content);
        } catch (CharacterCodingException e) {
            throw new FileSecretException(configured, where + ": is not valid UTF-8");
        }
    }

    private static Map<String, String> properties(Path configured, String where, String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IllegalArgumentException e) {
            throw new FileSecretException(configured, where + ": has a malformed \\uXXXX escape");
        } catch (IOException e) {
            throw new IllegalStateException("reading a String cannot fail", e);
        }
        checkKeys(configured, where, p.size());
        Map<String, String> values = new LinkedHashMap<>();
        for (String k : p.stringPropertyNames()) {
            if (k.isEmpty()) {
                throw new FileSecretException(configured, where + ": has an empty key");
            }
            values.put(k, p.getProperty(k));
        }
        return values;
    }

    /**
     * dotenv as docker compose and most loaders read it: {@code [export] KEY=value}, whole-line and
     * (unquoted values) {@code " #"} comments, {@code '...'} literal, {@code "..."} with {@code \n \r \t \" \\}
     * escapes. A key appearing twice is an error, since which one wins differs between loaders.
     */
    private static Map<String, String> dotenv(Path configured, String where, String text) {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, Integer> lineOf = new HashMap<>();
        String[] lines = text.split("\n", -1);
        for (int n = 1; n <= lines.length; n++) {
            String line = lines[n - 1];
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            if (s.startsWith("export ") || s.startsWith("export\t")) {
                s = s.substring(7).stripLeading();
            }
            int eq = s.indexOf('=');
            if (eq < 0) {
                throw new FileSecretException(configured, where + ": line " + n + ": expected KEY=VALUE");
            }
            String key = s.substring(0, eq).strip();
            if (!validKey(key)) {
                // The text before '=' may be a pasted secret, so it is not quoted.
                throw new FileSecretException(
                        configured,
                        where + ": line " + n
                                + ": invalid key (letters, digits, '_', '.', '-'; not starting with a digit)");
            }
            String value =
                    dotenvValue(configured, where, n, key, s.substring(eq + 1).stripLeading());
            // Checked as we go: a huge file of short lines must not build a huge map first.
            checkKeys(configured, where, values.size() + 1);
            Integer first = lineOf.putIfAbsent(key, n);
            if (first != null) {
                throw new FileSecretException(
                        configured, where + ": line " + n + ": key " + key + " already set at line " + first);
            }
            values.put(key, value);
        }
        return values;
    }

    private static boolean validKey(String key) {
        if (key.isEmpty() || Character.isDigit(key.charAt(0))) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!(c == '_' || c == '.' || c == '-' || (c < 128 && Character.isLetterOrDigit(c)))) {
                return false;
            }
        }
        return true;
    }

    private static String dotenvValue(Path configured, String where, int n, String key, String v) {
        if (v.startsWith("'") || v.startsWith("\"")) {
            char q = v.charAt(0);
            StringBuilder out = new StringBuilder();
            int i = 1;
            for (; i < v.length(); i++) {
                char c = v.charAt(i);
                if (c == q) {
                    break;
                }
                if (q == '"' && c == '\\' && i + 1 < v.length()) {
                    char e = v.charAt(++i);
                    switch (e) {
                        case 'n' -> out.append('\n');
                        case 'r' -> out.append('\r');
                        case 't' -> out.append('\t');
                        case '"', '\\', '$' -> out.append(e);
                        default -> out.append('\\').append(e);
                    }
                } else {
                    out.append(c);
                }
            }
            if (i >= v.length()) {
                throw new FileSecretException(
                        configured, where + ": line " + n + ": value of " + key + " has no closing " + q);
            }
            String rest = v.substring(i + 1).strip();
            if (!rest.isEmpty() && !rest.startsWith("#")) {
                throw new FileSecretException(
                        configured, where + ": line " + n + ": unexpected text after the quoted value of " + key);
            }
            return out.toString();
        }
        int hash = v.indexOf(" #");
        int tab = v.indexOf("\t#");
        int cut = hash < 0 ? tab : (tab < 0 ? hash : Math.min(hash, tab));
        return (cut < 0 ? v : v.substring(0, cut)).strip();
    }
}
