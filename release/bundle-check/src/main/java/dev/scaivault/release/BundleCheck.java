package dev.scaivault.release;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Checks a staged release bundle (a Maven repository layout under one directory) against the rules Maven Central
 * applies on upload, and zips it as a Central Portal bundle when it passes.
 *
 * <p>Per artifact: a POM whose effective metadata (own, or inherited from a parent in the bundle) has a name,
 * description, url, license, developer and scm; for jar packaging the jar, {@code -sources.jar} and
 * {@code -javadoc.jar}; a CycloneDX SBOM; md5, sha1, sha256 and sha512 checksums that match; an {@code .asc}
 * signature per file when signing is on. Across the bundle: the published libraries are exactly those the BOM
 * lists, so a module published by accident and a library left out both fail. A SNAPSHOT version is reported but
 * not refused (a dry run); a SNAPSHOT anywhere else in a POM is refused.
 */
public final class BundleCheck {

    static final List<String> CHECKSUMS = List.of("md5", "sha1", "sha256", "sha512");
    private static final Map<String, String> DIGESTS =
            Map.of("md5", "MD5", "sha1", "SHA-1", "sha256", "SHA-256", "sha512", "SHA-512");

    /** What to check; see {@link #main(String[])} for the matching arguments. */
    record Options(Path staging, String group, String version, String parent, String bom, boolean signed) {}

    /** The outcome: the problems (empty when the bundle passes), notes, and the files seen per artifact. */
    record Report(List<String> problems, List<String> notes, Map<String, List<String>> files) {
        boolean passed() {
            return problems.isEmpty();
        }
    }

    private final Options options;
    private final List<String> problems = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, Pom> poms = new TreeMap<>();
    private final Map<String, List<String>> files = new TreeMap<>();

    private BundleCheck(Options options) {
        this.options = options;
    }

    /**
     * Runs the check from the build: {@code --staging DIR --group G --version V --parent A --bom A
     * --signed true|false [--zip FILE --timestamp ISO-8601]}. Throws (failing the build) naming every problem.
     *
     * @param args the options above
     * @throws Exception when the bundle fails the check or cannot be read or zipped
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> a = arguments(args);
        Options options = new Options(
                Path.of(a.get("--staging")),
                a.get("--group"),
                a.get("--version"),
                a.get("--parent"),
                a.get("--bom"),
                Boolean.parseBoolean(a.get("--signed")));
        Report report = check(options);
        report.files().forEach((artifact, names) -> {
            System.out.println("[bundle] " + artifact);
            names.forEach(n -> System.out.println("[bundle]   " + n));
        });
        report.notes().forEach(n -> System.out.println("[bundle] note: " + n));
        if (!report.passed()) {
            throw new IllegalStateException(
                    "The release bundle in " + options.staging() + " fails Maven Central's rules ("
                            + report.problems().size() + " problems):\n - " + String.join("\n - ", report.problems()));
        }
        System.out.println("[bundle] " + report.files().size() + " artifacts pass Maven Central's rules"
                + (options.signed() ? " (signed)" : " (unsigned: signing is off)"));
        if (a.containsKey("--zip")) {
            Path zip = Path.of(a.get("--zip"));
            zip(options.staging(), zip, Instant.parse(a.getOrDefault("--timestamp", "1980-01-01T00:00:00Z")));
            System.out.println("[bundle] Central Portal bundle: " + zip);
        }
    }

    private static Map<String, String> arguments(String[] args) {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("Expected --name value pairs, got: " + String.join(" ", args));
            }
            a.put(args[i], args[i + 1]);
        }
        for (String required : List.of("--staging", "--group", "--version", "--parent", "--bom", "--signed")) {
            if (!a.containsKey(required)) {
                throw new IllegalArgumentException("Missing argument " + required);
            }
        }
        return a;
    }

    /**
     * Checks the bundle described by {@code options}.
     *
     * @param options where the bundle is and what it must hold
     * @return every problem found, in a stable order
     * @throws IOException when the staging directory cannot be read
     */
    static Report check(Options options) throws IOException {
        BundleCheck check = new BundleCheck(options);
        check.run();
        return new Report(List.copyOf(check.problems), List.copyOf(check.notes), check.files);
    }

    private void run() throws IOException {
        Path groupDir = options.staging().resolve(options.group().replace('.', '/'));
        if (!Files.isDirectory(groupDir)) {
            problems.add("no " + options.group() + " artifacts in " + options.staging()
                    + " (run mvn -Prelease verify from the root)");
            return;
        }
        if (options.version().endsWith("-SNAPSHOT")) {
            notes.add("version " + options.version() + " is a SNAPSHOT: the Central Portal takes release versions only;"
                    + " everything else was checked");
        }
        try (Stream<Path> dirs = Files.list(groupDir)) {
            for (Path artifactDir : dirs.sorted().toList()) {
                readArtifact(artifactDir);
            }
        }
        poms.forEach(this::checkArtifact);
        checkAgainstBom();
    }

    private void readArtifact(Path artifactDir) throws IOException {
        String artifactId = artifactDir.getFileName().toString();
        Set<String> versions = new TreeSet<>();
        try (Stream<Path> dirs = Files.list(artifactDir)) {
            dirs.forEach(d -> versions.add(d.getFileName().toString()));
        }
        versions.remove(options.version());
        versions.forEach(v -> problems.add(artifactId + ": version " + v + " does not belong in a bundle of "
                + options.version() + " (a stale staging directory? mvn clean)"));
        Path dir = artifactDir.resolve(options.version());
        Path pomFile = dir.resolve(artifactId + "-" + options.version() + ".pom");
        if (!Files.isRegularFile(pomFile)) {
            problems.add(artifactId + ": missing " + pomFile.getFileName());
            return;
        }
        Pom pom = Pom.read(pomFile, this::problem);
        if (pom != null) {
            poms.put(artifactId, pom);
        }
        try (Stream<Path> list = Files.list(dir)) {
            files.put(
                    artifactId,
                    list.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    private void problem(String message) {
        problems.add(message);
    }

    private void checkArtifact(String artifactId, Pom pom) {
        Path dir = options.staging()
                .resolve(options.group().replace('.', '/'))
                .resolve(artifactId)
                .resolve(options.version());
        String base = artifactId + "-" + options.version();
        checkCoordinates(artifactId, pom);
        checkMetadata(artifactId, pom);
        checkSnapshots(artifactId, pom);

        List<String> expected = new ArrayList<>(List.of(base + ".pom", base + "-cyclonedx.json"));
        if (pom.packaging().equals("jar")) {
            expected.addAll(List.of(base + ".jar", base + "-sources.jar", base + "-javadoc.jar"));
        } else if (!pom.packaging().equals("pom")) {
            problems.add(artifactId + ": packaging " + pom.packaging() + " is not one this check knows (jar or pom)");
        }
        Set<String> allowed = new TreeSet<>();
        for (String name : expected) {
            allowed.add(name);
            CHECKSUMS.forEach(c -> allowed.add(name + "." + c));
            allowed.add(name + ".asc");
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file)) {
                problems.add(artifactId + ": missing " + name + " (" + why(name, base) + ")");
                continue;
            }
            checkContent(artifactId, file, name, base);
            checkChecksums(artifactId, file, name);
            checkSignature(artifactId, file, name);
        }
        for (String name : files.getOrDefault(artifactId, List.of())) {
            if (!allowed.contains(name)) {
                problems.add(artifactId + ": unexpected file " + name
                        + " (a bundle holds the POM, jar, -sources.jar, -javadoc.jar and -cyclonedx.json,"
                        + " their checksums and signatures)");
            }
        }
    }

    private static String why(String name, String base) {
        if (name.endsWith("-sources.jar")) {
            return "Central requires a sources jar for jar packaging";
        }
        if (name.endsWith("-javadoc.jar")) {
            return "Central requires a javadoc jar for jar packaging";
        }
        if (name.endsWith("-cyclonedx.json")) {
            return "every published module ships a CycloneDX SBOM";
        }
        if (name.equals(base + ".jar")) {
            return "the main artifact of jar packaging";
        }
        return "Central requires a POM";
    }

    private void checkCoordinates(String artifactId, Pom pom) {
        if (!artifactId.equals(pom.artifactId())) {
            problems.add(artifactId + ": its POM says artifactId " + pom.artifactId());
        }
        if (!options.group().equals(pom.groupId())) {
            problems.add(
                    artifactId + ": its POM says groupId " + pom.groupId() + ", the bundle path " + options.group());
        }
        if (!options.version().equals(pom.version())) {
            problems.add(
                    artifactId + ": its POM says version " + pom.version() + ", the bundle path " + options.version());
        }
        Pom.Parent parent = pom.parent();
        if (parent != null && parent.groupId().equals(options.group()) && !poms.containsKey(parent.artifactId())) {
            problems.add(artifactId + ": its parent " + parent.groupId() + ":" + parent.artifactId()
                    + " is not in the bundle (Central resolves parents from the same upload or from Central)");
        }
    }

    /** Central's required metadata, on the effective POM: name is never inherited; the rest is. */
    private void checkMetadata(String artifactId, Pom pom) {
        if (pom.text("name").isBlank()) {
            problems.add(artifactId + ": POM has no <name> (Central requires it; Maven does not inherit it)");
        }
        Map<String, String> inherited = new LinkedHashMap<>();
        inherited.put("description", "<description>");
        inherited.put("url", "<url>");
        inherited.put("licenses/license/name", "<licenses><license><name>");
        inherited.put("licenses/license/url", "<licenses><license><url>");
        inherited.put("developers/developer/name", "<developers><developer><name>");
        inherited.put("scm/url", "<scm><url>");
        inherited.put("scm/connection", "<scm><connection>");
        inherited.forEach((path, element) -> {
            if (effective(pom, path).isBlank()) {
                problems.add(artifactId + ": POM has no " + element + ", neither its own nor from a parent in the"
                        + " bundle (Central requires it)");
            }
        });
    }

    private String effective(Pom pom, String path) {
        Pom p = pom;
        for (int depth = 0; p != null && depth < 10; depth++) {
            String value = p.text(path);
            if (!value.isBlank()) {
                return value;
            }
            Pom.Parent parent = p.parent();
            p = parent == null || !parent.groupId().equals(options.group()) ? null : poms.get(parent.artifactId());
        }
        return "";
    }

    private void checkSnapshots(String artifactId, Pom pom) {
        String rest = pom.source().replace(options.version(), "");
        if (rest.contains("SNAPSHOT")) {
            problems.add(artifactId + ": POM refers to a SNAPSHOT other than its own version "
                    + "(Central refuses releases that depend on snapshots)");
        }
    }

    private void checkContent(String artifactId, Path file, String name, String base) {
        try {
            if (Files.size(file) == 0) {
                problems.add(artifactId + ": " + name + " is empty");
                return;
            }
            if (name.endsWith(".jar")) {
                checkJar(artifactId, file, name, base);
            } else if (name.endsWith("-cyclonedx.json")) {
                String sbom = Files.readString(file, StandardCharsets.UTF_8);
                String purl = "pkg:maven/" + options.group() + "/" + artifactId + "@" + options.version();
                if (!sbom.contains("\"CycloneDX\"") || !sbom.contains(purl)) {
                    problems.add(artifactId + ": " + name + " is not a CycloneDX SBOM of " + purl);
                }
            }
        } catch (IOException e) {
            problems.add(artifactId + ": cannot read " + name + ": " + e.getMessage());
        }
    }

    private void checkJar(String artifactId, Path file, String name, String base) throws IOException {
        List<String> entries;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            entries = zip.stream().map(ZipEntry::getName).toList();
        } catch (ZipException e) {
            problems.add(artifactId + ": " + name + " is not a jar (" + e.getMessage() + ")");
            return;
        }
        if (name.equals(base + "-javadoc.jar") && !entries.contains("index.html")) {
            problems.add(artifactId + ": " + name + " has no index.html (the javadoc did not build)");
        } else if (name.equals(base + "-sources.jar") && entries.stream().noneMatch(e -> e.endsWith(".java"))) {
            problems.add(artifactId + ": " + name + " holds no .java file");
        } else if (name.equals(base + ".jar") && entries.stream().noneMatch(e -> e.endsWith(".class"))) {
            problems.add(artifactId + ": " + name + " holds no class");
        }
    }

    private void checkChecksums(String artifactId, Path file, String name) {
        for (String algorithm : CHECKSUMS) {
            Path sum = file.resolveSibling(name + "." + algorithm);
            if (!Files.isRegularFile(sum)) {
                problems.add(artifactId + ": missing " + sum.getFileName() + " (Central requires md5 and sha1;"
                        + " sha256 and sha512 are staged too)");
                continue;
            }
            try {
                String[] recorded =
                        Files.readString(sum, StandardCharsets.US_ASCII).trim().split("\\s+");
                String actual = digest(file, algorithm);
                if (recorded.length == 0 || !recorded[0].equalsIgnoreCase(actual)) {
                    problems.add(artifactId + ": " + sum.getFileName() + " does not match " + name);
                }
            } catch (IOException e) {
                problems.add(artifactId + ": cannot read " + sum.getFileName() + ": " + e.getMessage());
            }
        }
    }

    private void checkSignature(String artifactId, Path file, String name) {
        Path asc = file.resolveSibling(name + ".asc");
        if (!options.signed()) {
            return;
        }
        try {
            if (!Files.isRegularFile(asc)) {
                problems.add(
                        artifactId + ": missing " + asc.getFileName() + " (Central requires a signature per file)");
            } else if (!Files.readString(asc, StandardCharsets.US_ASCII).startsWith("-----BEGIN PGP SIGNATURE-----")) {
                problems.add(artifactId + ": " + asc.getFileName() + " is not an ASCII-armored PGP signature");
            }
        } catch (IOException e) {
            problems.add(artifactId + ": cannot read " + asc.getFileName() + ": " + e.getMessage());
        }
    }

    /** The published libraries are exactly the BOM's entries: the parent and the BOM are POMs beside them. */
    private void checkAgainstBom() {
        if (!poms.containsKey(options.parent())) {
            problems.add("the parent POM " + options.parent() + " is not in the bundle (every module's POM needs it)");
        }
        Pom bom = poms.get(options.bom());
        if (bom == null) {
            problems.add("the BOM " + options.bom() + " is not in the bundle");
            return;
        }
        Map<String, String> listed = bom.managedVersions(options.group());
        listed.forEach((artifactId, version) -> {
            if (!poms.containsKey(artifactId)) {
                problems.add(options.bom() + " lists " + artifactId
                        + ", which is not in the bundle (publish the module," + " or take it out of the BOM)");
            } else if (!version.equals(options.version()) && !version.equals("${project.version}")) {
                problems.add(options.bom() + " lists " + artifactId + " at " + version + ", the bundle holds "
                        + options.version());
            }
        });
        for (String artifactId : poms.keySet()) {
            boolean library = !artifactId.equals(options.parent()) && !artifactId.equals(options.bom());
            if (library && !listed.containsKey(artifactId)) {
                problems.add(artifactId + " is in the bundle but not in " + options.bom() + " (add it to the BOM, or"
                        + " set scaivault.release.skip to true in its POM if it must not be published)");
            }
        }
    }

    static String digest(Path file, String algorithm) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance(DIGESTS.get(algorithm));
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("The JDK lacks " + algorithm, e);
        }
    }

    /** A Central Portal bundle: the repository layout at the zip's root, entries sorted, one fixed time. */
    static void zip(Path staging, Path zip, Instant time) throws IOException {
        Files.createDirectories(zip.toAbsolutePath().getParent());
        List<Path> all;
        try (Stream<Path> walk = Files.walk(staging)) {
            all = walk.filter(Files::isRegularFile).sorted().toList();
        }
        try (OutputStream out = Files.newOutputStream(zip);
                ZipOutputStream z = new ZipOutputStream(out)) {
            for (Path file : all) {
                ZipEntry entry =
                        new ZipEntry(staging.relativize(file).toString().replace('\\', '/'));
                entry.setTime(time.toEpochMilli());
                z.putNextEntry(entry);
                Files.copy(file, z);
                z.closeEntry();
            }
        }
    }

    /** The few POM elements the check reads, straight from the file (no interpolation, no inheritance). */
    record Pom(Element root, String source, Parent parent) {
        record Parent(String groupId, String artifactId, String version) {}

        /** The POM, or null once {@code problems} has been told why it cannot be read. */
        static Pom read(Path file, Consumer<String> problems) throws IOException {
            String source = Files.readString(file, StandardCharsets.UTF_8);
            try {
                DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
                factory.setNamespaceAware(false);
                factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
                Document doc = factory.newDocumentBuilder().parse(file.toFile());
                Element root = doc.getDocumentElement();
                Element p = child(root, "parent");
                Parent parent =
                        p == null ? null : new Parent(text(p, "groupId"), text(p, "artifactId"), text(p, "version"));
                return new Pom(root, source, parent);
            } catch (Exception e) {
                problems.accept(file.getFileName() + " is not a readable POM: " + e.getMessage());
                return null;
            }
        }

        String text(String path) {
            Element e = root;
            for (String name : path.split("/")) {
                e = child(e, name);
                if (e == null) {
                    return "";
                }
            }
            return e.getTextContent().trim();
        }

        String artifactId() {
            return text("artifactId");
        }

        String groupId() {
            String own = text("groupId");
            return own.isEmpty() && parent != null ? parent.groupId() : own;
        }

        String version() {
            String own = text("version");
            return own.isEmpty() && parent != null ? parent.version() : own;
        }

        String packaging() {
            String own = text("packaging");
            return own.isEmpty() ? "jar" : own;
        }

        /** artifactId to version of each dependencyManagement entry in {@code group}. */
        Map<String, String> managedVersions(String group) {
            Map<String, String> versions = new TreeMap<>();
            Element deps = child(child(root, "dependencyManagement"), "dependencies");
            if (deps == null) {
                return versions;
            }
            for (Node n = deps.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element d && d.getTagName().equals("dependency") && group.equals(text(d, "groupId"))) {
                    versions.put(text(d, "artifactId"), text(d, "version"));
                }
            }
            return versions;
        }

        private static Element child(Element parent, String name) {
            if (parent == null) {
                return null;
            }
            for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && e.getTagName().equals(name)) {
                    return e;
                }
            }
            return null;
        }

        private static String text(Element parent, String name) {
            Element e = child(parent, name);
            return e == null ? "" : e.getTextContent().trim();
        }
    }
}
