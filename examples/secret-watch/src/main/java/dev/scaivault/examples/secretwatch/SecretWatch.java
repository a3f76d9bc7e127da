package dev.scaivault.examples.secretwatch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.scaivault.file.FileFormat;
import dev.scaivault.file.FileSecret;
import dev.scaivault.file.FileSecretException;
import dev.scaivault.file.FileSource;
import dev.scaivault.file.SighupReload;
import dev.scaivault.source.SecretSource;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Watches a secret file or volume with the library and prints what it sees, one JSON line per delivered
 * snapshot, values replaced by the SHA-256 of their UTF-8 bytes:
 *
 * <pre>
 * java -jar secret-watch.jar /run/secrets/db [--format json|envelope|dotenv|properties|dir]
 * {"seq":1,"keys":{"password":"5e88...","username":"a1b2..."}}
 * {"error":"file /run/secrets/db.json (json): not valid JSON at line 1, column 12"}
 * </pre>
 *
 * The first line is the initial load; if there is no valid value at start the program prints the error
 * and exits with status 1, as a service using the library fails closed. SIGHUP re-reads at once. Logs go to
 * stderr.
 */
public final class SecretWatch {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    private static volatile boolean started;

    private SecretWatch() {}

    public static void main(String[] args) throws InterruptedException {
        Path path = null;
        FileFormat format = FileFormat.AUTO;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--format") && i + 1 < args.length) {
                format = parseFormat(args[++i]);
            } else if (path == null && !args[i].startsWith("--")) {
                path = Path.of(args[i]);
            } else {
                usage("unexpected argument: " + args[i]);
            }
        }
        if (path == null) {
            usage("no path given");
        }
        SecretSource<FileSecret> source;
        try {
            source = FileSource.builder(path)
                    .format(format)
                    .onError(e -> {
                        if (started) {
                            printError(e);
                        }
                    })
                    .build();
        } catch (FileSecretException e) {
            // One line for a failed start: the exception names the cause.
            printError(e);
            System.exit(1);
            return;
        }
        started = true;
        SighupReload.install();
        int[] seq = {0};
        source.subscribe(change -> print(snapshot(++seq[0], change.current())));
        new CountDownLatch(1).await();
    }

    private static FileFormat parseFormat(String f) {
        return switch (f.toLowerCase(Locale.ROOT)) {
            case "json" -> FileFormat.JSON;
            case "envelope" -> FileFormat.ENVELOPE;
            case "dotenv" -> FileFormat.DOTENV;
            case "properties" -> FileFormat.PROPERTIES;
            case "dir", "directory" -> FileFormat.DIRECTORY;
            case "auto" -> FileFormat.AUTO;
            default -> {
                usage("unknown format: " + f);
                yield FileFormat.AUTO;
            }
        };
    }

    private static ObjectNode snapshot(int seq, FileSecret s) {
        ObjectNode line = JSON.createObjectNode();
        line.put("seq", seq);
        ObjectNode keys = line.putObject("keys");
        for (Map.Entry<String, String> e : s.values().entrySet()) {
            keys.put(e.getKey(), sha256(e.getValue()));
        }
        return line;
    }

    private static void printError(FileSecretException e) {
        print(JSON.createObjectNode().put("error", e.getMessage()));
    }

    private static void print(ObjectNode line) {
        synchronized (OUT) {
            OUT.println(line.toString());
            OUT.flush();
        }
    }

    private static String sha256(String value) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private static void usage(String problem) {
        System.err.println("secret-watch: " + problem);
        System.err.println("usage: java -jar secret-watch.jar <path> [--format json|envelope|dotenv|properties|dir]");
        System.exit(2);
    }
}
