package dev.scaivault.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class FormatsTest {
    private static final Path P = Path.of("/run/secrets/db");
    private static final String SECRET = "hunter2-secret";

    private static FileSecret parse(String name, FileFormat f, String content) {
        return Formats.parseFile(P, Path.of("/run/secrets/" + name), f, content.getBytes(StandardCharsets.UTF_8));
    }

    private static void rejects(String name, FileFormat f, String content, String... expected) {
        var t = assertThatThrownBy(() -> parse(name, f, content))
                .isInstanceOf(FileSecretException.class)
                .hasMessageContaining(P.toString())
                .hasMessageNotContaining(SECRET);
        for (String e : expected) {
            t.hasMessageContaining(e);
        }
    }

    @Test
    void json() {
        FileSecret s = parse("db", FileFormat.JSON, "{\"password\":\"p\",\"port\":5432,\"tls\":true,\"o\":{\"a\":1}}");
        assertThat(s.values())
                .containsExactly(
                        Map.entry("o", "{\"a\":1}"),
                        Map.entry("password", "p"),
                        Map.entry("port", "5432"),
                        Map.entry("tls", "true"));
        assertThat(s.format()).isEqualTo(FileFormat.JSON);
        assertThat(s.version()).isEmpty();
    }

    @Test
    void jsonErrorsNameLineAndColumnButNeverTheContent() {
        rejects("db", FileFormat.JSON, "{\n\"password\": \"" + SECRET, "json", "not valid JSON at line 2");
        rejects("db", FileFormat.JSON, "{\"password\": " + SECRET + "}", "not valid JSON at line 1, column");
        rejects("db", FileFormat.JSON, "[\"" + SECRET + "\"]", "is not a JSON object");
        rejects("db", FileFormat.JSON, "{\"a\":\"" + SECRET + "\",\"a\":\"b\"}", "a key appears twice");
        rejects("db", FileFormat.JSON, "{\"a\":\"" + SECRET + "\"} x", "not valid JSON");
        rejects("db", FileFormat.JSON, "{\"a\":\"b\"} {}", "unexpected content after the JSON object at line 1");
        rejects("db", FileFormat.JSON, "{\"a\":null}", "key \"a\" is null");
        rejects("db", FileFormat.JSON, "{}", "has no keys");
        rejects("db", FileFormat.JSON, "", "is empty");
        rejects("db", FileFormat.JSON, "   ", "is empty");
    }

    @Test
    void envelope() {
        FileSecret s = parse(
                "db.json",
                FileFormat.ENVELOPE,
                "{\"path\":\"db/app\",\"version\":7,\"data\":{\"username\":\"app\",\"password\":\"p\"}}");
        assertThat(s.version()).contains(7L);
        assertThat(s.values()).containsOnlyKeys("username", "password");
        rejects("db", FileFormat.ENVELOPE, "{\"version\":7}", "has no object \"data\"");
        rejects(
                "db",
                FileFormat.ENVELOPE,
                "{\"version\":\"seven\",\"data\":{\"a\":\"b\"}}",
                "\"version\" is not an integer");
    }

    @Test
    void versionIsPartOfTheHash() {
        String a = parse("x", FileFormat.ENVELOPE, "{\"version\":1,\"data\":{\"a\":\"b\"}}")
                .sha256();
        String b = parse("x", FileFormat.ENVELOPE, "{\"version\":2,\"data\":{\"a\":\"b\"}}")
                .sha256();
        assertThat(a).isNotEqualTo(b).hasSize(64);
    }

    @Test
    void dotenv() {
        FileSecret s = parse(
                "db.env",
                FileFormat.DOTENV,
                "# comment\n\nexport USER=app\r\nPASS = 'a b#c'\nQ=\"line\\nnext \\\"q\\\"\" # c\nPLAIN=x #y\nEMPTY=\n");
        assertThat(s.values())
                .containsEntry("USER", "app")
                .containsEntry("PASS", "a b#c")
                .containsEntry("Q", "line\nnext \"q\"")
                .containsEntry("PLAIN", "x")
                .containsEntry("EMPTY", "");
    }

    @Test
    void dotenvErrorsNameTheLineNeverTheText() {
        rejects("db.env", FileFormat.DOTENV, "A=1\n" + SECRET + "\n", "line 2: expected KEY=VALUE");
        rejects("db.env", FileFormat.DOTENV, "A=1\n" + SECRET + " x=y\n", "line 2: invalid key");
        rejects("db.env", FileFormat.DOTENV, "A=\"" + SECRET + "\n", "line 1: value of A has no closing \"");
        rejects(
                "db.env",
                FileFormat.DOTENV,
                "A='" + SECRET + "' tail\n",
                "line 1: unexpected text after the quoted value of A");
        rejects("db.env", FileFormat.DOTENV, "A=" + SECRET + "\nB=1\nA=2\n", "line 3: key A already set at line 1");
        rejects("db.env", FileFormat.DOTENV, "# only comments\n", "has no keys");
    }

    @Test
    void properties() {
        FileSecret s = parse("db.properties", FileFormat.PROPERTIES, "user=app\npassword : p\\u00e9\n# c\n");
        assertThat(s.values()).containsEntry("user", "app").containsEntry("password", "pé");
        rejects("db.properties", FileFormat.PROPERTIES, "password=" + SECRET + "\\u12", "malformed \\uXXXX escape");
    }

    @Test
    void invalidUtf8IsRejected() {
        assertThatThrownBy(() -> Formats.parseFile(P, P, FileFormat.DOTENV, new byte[] {'A', '=', (byte) 0xC3}))
                .hasMessageContaining("is not valid UTF-8");
    }

    @Test
    void autoDetection() {
        assertThat(parse("db.properties", FileFormat.AUTO, "a=b").format()).isEqualTo(FileFormat.PROPERTIES);
        assertThat(parse("db.env", FileFormat.AUTO, "a=b").format()).isEqualTo(FileFormat.DOTENV);
        assertThat(parse("db", FileFormat.AUTO, "  {\"a\":\"b\"}").format()).isEqualTo(FileFormat.JSON);
        assertThat(parse("db.json", FileFormat.AUTO, "{\"version\":3,\"data\":{\"a\":\"b\"}}")
                        .format())
                .isEqualTo(FileFormat.ENVELOPE);
        assertThat(parse("db.json", FileFormat.AUTO, "{\"version\":3,\"data\":\"x\"}")
                        .format())
                .isEqualTo(FileFormat.JSON);
        assertThat(parse("credentials", FileFormat.AUTO, "A=b").format()).isEqualTo(FileFormat.DOTENV);
        rejects("credentials", FileFormat.AUTO, SECRET, "auto-detected as dotenv", "line 1");
        rejects("db.json", FileFormat.AUTO, SECRET, "auto-detected as json", "not valid JSON");
    }

    @Test
    void directoryKeepsExactBytesAndHashesThem() {
        TreeMap<String, byte[]> files = new TreeMap<>();
        files.put("password", "p\n".getBytes(StandardCharsets.UTF_8));
        files.put("note", "caf\u00e9".getBytes(StandardCharsets.UTF_8));
        FileSecret a = Formats.parseDirectory(P, files);
        assertThat(a.values()).containsEntry("password", "p\n").containsEntry("note", "caf\u00e9");
        files.put("note", "cafe\u0301".getBytes(StandardCharsets.UTF_8));
        FileSecret b = Formats.parseDirectory(P, files);
        assertThat(a.sha256()).isNotEqualTo(b.sha256());
        assertThatThrownBy(() -> Formats.parseDirectory(P, new TreeMap<>())).hasMessageContaining("has no files");
    }

    @Test
    void aDirectoryFileThatIsNotUtf8IsRefusedNamingTheFileNotDecodedIntoReplacementCharacters() {
        // Was accepted: 0xff 0x00 and 0xfe 0x00 both decoded to the same string, two secrets passed for one.
        TreeMap<String, byte[]> files = new TreeMap<>();
        files.put("password", "p".getBytes(StandardCharsets.UTF_8));
        files.put("blob", new byte[] {(byte) 0xff, 0});
        assertThatThrownBy(() -> Formats.parseDirectory(P, files))
                .isInstanceOf(FileSecretException.class)
                .hasMessage("directory " + P + ": file blob: is not valid UTF-8");
    }

    @Test
    void jsonThatIsNotUtf8IsRefusedLikeDotenv() {
        byte[] utf16 = "{\"password\":\"x\"}".getBytes(StandardCharsets.UTF_16);
        byte[] latin1 = "{\"password\":\"\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        for (byte[] content : new byte[][] {utf16, latin1}) {
            assertThatThrownBy(() -> Formats.parseFile(P, P, FileFormat.JSON, content))
                    .isInstanceOf(FileSecretException.class)
                    .hasMessageEndingWith(": is not valid UTF-8");
        }
    }

    @Test
    void fileIsNotADirectory() {
        rejects("db", FileFormat.DIRECTORY, "a=b", "is a file, not a directory");
    }

    @Test
    void toStringShowsKeysAndHashPrefixNeverValues() {
        FileSecret s = parse("db", FileFormat.JSON, "{\"username\":\"app\",\"password\":\"" + SECRET + "\"}");
        assertThat(s.toString())
                .contains(
                        P.toString(), "JSON", "[password, username]", s.sha256().substring(0, 8))
                .doesNotContain(SECRET)
                .doesNotContain("app");
    }

    @Test
    void hashIsOverSortedPairsNotOrderOfTheFile() {
        String a = parse("x", FileFormat.JSON, "{\"a\":\"1\",\"b\":\"2\"}").sha256();
        String b = parse("x", FileFormat.JSON, "{\"b\":\"2\",\"a\":\"1\"}").sha256();
        String c = parse("x", FileFormat.JSON, "{\"a\":\"12\",\"b\":\"\"}").sha256();
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }
}
