package io.tributary.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Reads the CSV files that {@code bench/run.sh} wrote into one results directory, prints the
 * Tributary/Kafka ratio of every metric per scenario (median, min and max of the per-round ratios),
 * writes it to {@code ratios.csv}, and draws the throughput and latency charts.
 *
 * <p>Each row of the CSVs belongs to one mode, named by its {@code mode} column: {@code cold}
 * (fresh brokers every round) or {@code warm} (steady state: one warmed-up start of each broker per
 * scenario). Files of runs made before the column existed are all cold. The modes are never mixed:
 * a ratio pairs the two brokers of one round of one mode, and the table puts the modes side by side.
 *
 * <p>Usage: {@code Report RESULTS_DIR LABEL [CHART_DIR]}; without CHART_DIR no chart is written.
 */
public final class Report {
    static final String TRIBUTARY = "tributary";
    static final String KAFKA = "kafka";
    static final String COLD = "cold";
    static final String WARM = "warm";
    /** The {@code round} of a warm-mode broker start in brokers.csv: that start served every round. */
    static final String ALL_ROUNDS = "all";
    private static final Color TRIBUTARY_COLOR = new Color(0x1f, 0x77, 0xb4);
    private static final Color KAFKA_COLOR = new Color(0xff, 0x7f, 0x0e);

    private Report() {
    }

    /** How to read a metric's ratio: which direction is better, and whether issue 4 sets a target for it. */
    enum Better { HIGHER, LOWER }

    /** One metric of one scenario in one mode: the value of each broker in each round. */
    static final class Metric {
        final String mode;
        final String scenario;
        final String name;
        final Better better;
        final boolean targeted;
        final Map<String, Double> tributary = new TreeMap<>();
        final Map<String, Double> kafka = new TreeMap<>();

        Metric(String mode, String scenario, String name, Better better, boolean targeted) {
            this.mode = mode;
            this.scenario = scenario;
            this.name = name;
            this.better = better;
            this.targeted = targeted;
        }

        void add(String broker, String round, double value) {
            (broker.equals(TRIBUTARY) ? tributary : kafka).put(round, value);
        }

        /** Tributary/Kafka for every round that has both; +Inf when only Kafka's is 0. */
        double[] ratios() {
            List<Double> r = new ArrayList<>();
            for (Map.Entry<String, Double> e : tributary.entrySet()) {
                Double k = kafka.get(e.getKey());
                if (k == null) continue;
                double t = e.getValue();
                if (k == 0) r.add(t == 0 ? 1.0 : Double.POSITIVE_INFINITY);
                else r.add(t / k);
            }
            return r.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        }

        double[] values(String broker) {
            return (broker.equals(TRIBUTARY) ? tributary : kafka).values().stream()
                    .mapToDouble(Double::doubleValue).sorted().toArray();
        }

        /** "yes"/"no" against the target (ratio 1.0) by the median ratio, "-" when the issue sets none. */
        String meets() {
            if (!targeted) return "-";
            double m = median(ratios());
            if (Double.isNaN(m)) return "?";
            return (better == Better.HIGHER ? m >= 1.0 : m <= 1.0) ? "yes" : "no";
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("Usage: Report RESULTS_DIR LABEL [CHART_DIR]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        String label = args[1];
        Path chartDir = args.length > 2 ? Path.of(args[2]) : null;

        List<Map<String, String>> brokers = readCsv(dir.resolve("brokers.csv"));
        List<Map<String, String>> produce = readCsv(dir.resolve("produce.csv"));
        List<Map<String, String>> consume = readCsv(dir.resolve("consume.csv"));
        List<Map<String, String>> e2e = readCsv(dir.resolve("e2e.csv"));
        Properties meta = new Properties();
        Path metaFile = dir.resolve("meta.txt");
        if (Files.exists(metaFile)) {
            try (var in = Files.newBufferedReader(metaFile, StandardCharsets.UTF_8)) {
                meta.load(in);
            }
        }

        Map<String, Metric> metrics = new LinkedHashMap<>();
        for (Map<String, String> r : produce) {
            add(metrics, r, "produce records/s", Better.HIGHER, true, "records_per_s");
            add(metrics, r, "produce MB/s", Better.HIGHER, true, "mb_per_s");
            add(metrics, r, "produce p50 ms", Better.LOWER, false, "p50_ms");
            add(metrics, r, "produce p99 ms", Better.LOWER, false, "p99_ms");
            add(metrics, r, "produce p99.9 ms", Better.LOWER, false, "p999_ms");
            add(metrics, r, "CPU s/M rec produce", Better.LOWER, true, "broker_cpu_s_per_mrec");
            Map<String, String> c = find(consume, r);
            if (c != null) {
                add(metrics, c, "consume records/s", Better.HIGHER, true, "records_per_s");
                add(metrics, c, "consume MB/s", Better.HIGHER, true, "mb_per_s");
                add(metrics, c, "CPU s/M rec consume", Better.LOWER, true, "broker_cpu_s_per_mrec");
            }
            Map<String, String> b = findStart(brokers, r);
            if (b != null) add(metrics, b, r.get("round"), "peak RSS MB", Better.LOWER, false, "peak_rss_mb");
        }
        for (Map<String, String> r : e2e) {
            add(metrics, r, "e2e avg ms", Better.LOWER, false, "avg_ms");
            add(metrics, r, "e2e p50 ms", Better.LOWER, false, "p50_ms");
            add(metrics, r, "e2e p99 ms", Better.LOWER, true, "p99_ms");
            add(metrics, r, "e2e p99.9 ms", Better.LOWER, false, "p999_ms");
            add(metrics, r, "broker CPU s", Better.LOWER, false, "broker_cpu_s");
            Map<String, String> b = findStart(brokers, r);
            if (b != null) add(metrics, b, r.get("round"), "peak RSS MB", Better.LOWER, false, "peak_rss_mb");
        }
        // Every broker start, whatever the scenario, is one sample of start-to-ready and idle RSS
        // (in warm mode, one start per broker and scenario).
        for (Map<String, String> b : brokers) {
            String round = b.get("scenario") + "#" + b.get("round");
            metric(metrics, mode(b), "(every start)", "start-to-ready ms", Better.LOWER, true)
                    .add(b.get("broker"), round, Double.parseDouble(b.get("ready_ms")));
            metric(metrics, mode(b), "(every start)", "idle RSS MB", Better.LOWER, true)
                    .add(b.get("broker"), round, Double.parseDouble(b.get("idle_rss_mb")));
        }

        PrintStream out = System.out;
        printTable(out, label, meta, metrics.values());
        writeRatios(dir.resolve("ratios.csv"), metrics.values());

        if (chartDir != null) {
            Files.createDirectories(chartDir);
            String subtitle = label + " · " + meta.getProperty("timestamp_utc", "") + " · Tributary "
                    + meta.getProperty("tributary_version", "?") + " vs Apache Kafka " + meta.getProperty("kafka_version", "?")
                    + " · " + meta.getProperty("nproc", "?") + " cores, " + meta.getProperty("cpu_model", "?");
            List<String> modes = modes(metrics.values());
            String note = modes.size() > 1 ? modeLegend(meta) : null;
            List<Panel> throughput = List.of(
                    panel(metrics.values(), modes, "Produce throughput, MB/s (ProducerPerformance; higher is better)", "produce MB/s"),
                    panel(metrics.values(), modes, "Consume throughput, MB/s (ConsumerPerformance fetch rate; higher is better)", "consume MB/s"));
            Path t = chartDir.resolve("benchmarks-throughput.png");
            drawChart(t, "Throughput: Tributary vs Apache Kafka", subtitle, note, throughput);
            List<Panel> latency = new ArrayList<>();
            latency.add(panel(metrics.values(), modes, "Produce latency p99, ms (ProducerPerformance, saturated; lower is better)", "produce p99 ms"));
            Panel e2ePanel = new Panel("End-to-end latency, ms (EndToEndLatency, one record at a time; lower is better)");
            for (Map<String, Metric> byMode : rows(metrics.values()).values()) {
                for (String mode : modes) {
                    Metric m = byMode.get(mode);
                    if (m != null && m.name.startsWith("e2e ")) {
                        e2ePanel.add(category(m.scenario + "  " + m.name.substring(4, m.name.length() - 3), m, modes), m);
                    }
                }
            }
            latency.add(e2ePanel);
            Path l = chartDir.resolve("benchmarks-latency.png");
            drawChart(l, "Latency: Tributary vs Apache Kafka", subtitle, note, latency);
            out.println();
            out.println("Charts: " + t + ", " + l);
        }
    }

    private static void add(Map<String, Metric> metrics, Map<String, String> row, String name, Better better,
                            boolean targeted, String column) {
        add(metrics, row, row.get("round"), name, better, targeted, column);
    }

    private static void add(Map<String, Metric> metrics, Map<String, String> row, String round, String name,
                            Better better, boolean targeted, String column) {
        String v = row.get(column);
        if (v == null || v.isBlank()) return;
        metric(metrics, mode(row), row.get("scenario"), name, better, targeted).add(row.get("broker"), round, Double.parseDouble(v));
    }

    private static Metric metric(Map<String, Metric> metrics, String mode, String scenario, String name, Better better,
                                 boolean targeted) {
        return metrics.computeIfAbsent(mode + "\u0000" + scenario + "\u0000" + name,
                k -> new Metric(mode, scenario, name, better, targeted));
    }

    /** The row's mode; rows of runs made before the mode column existed are cold. */
    static String mode(Map<String, String> row) {
        String m = row.get("mode");
        return m == null || m.isBlank() ? COLD : m;
    }

    /** The row of {@code rows} with the same mode, scenario, round and broker as {@code like}. */
    private static Map<String, String> find(List<Map<String, String>> rows, Map<String, String> like) {
        for (Map<String, String> r : rows) {
            if (mode(r).equals(mode(like)) && r.get("scenario").equals(like.get("scenario"))
                    && r.get("round").equals(like.get("round")) && r.get("broker").equals(like.get("broker"))) {
                return r;
            }
        }
        return null;
    }

    /** The broker start that served {@code like}'s round: the same round, or in warm mode the one of every round. */
    static Map<String, String> findStart(List<Map<String, String>> brokers, Map<String, String> like) {
        Map<String, String> r = find(brokers, like);
        if (r != null) return r;
        for (Map<String, String> b : brokers) {
            if (mode(b).equals(mode(like)) && b.get("scenario").equals(like.get("scenario"))
                    && b.get("round").equals(ALL_ROUNDS) && b.get("broker").equals(like.get("broker"))) {
                return b;
            }
        }
        return null;
    }

    /** The modes present, cold first, then warm, then any other in name order. */
    static List<String> modes(Iterable<Metric> metrics) {
        TreeMap<String, Boolean> others = new TreeMap<>();
        boolean cold = false, warm = false;
        for (Metric m : metrics) {
            if (m.mode.equals(COLD)) cold = true;
            else if (m.mode.equals(WARM)) warm = true;
            else others.put(m.mode, true);
        }
        List<String> modes = new ArrayList<>();
        if (cold) modes.add(COLD);
        if (warm) modes.add(WARM);
        modes.addAll(others.keySet());
        return modes;
    }

    /** The table's rows: scenario and metric in order of first appearance, each with its metric per mode. */
    static Map<String, Map<String, Metric>> rows(Iterable<Metric> metrics) {
        Map<String, Map<String, Metric>> rows = new LinkedHashMap<>();
        for (Metric m : metrics) {
            rows.computeIfAbsent(m.scenario + "\u0000" + m.name, k -> new LinkedHashMap<>()).put(m.mode, m);
        }
        return rows;
    }

    private static String modeLegend(Properties meta) {
        String warmup = meta.getProperty("warmup_records");
        return "cold: fresh brokers every round; warm: steady state, each broker started once per scenario and warmed up"
                + (warmup == null ? "" : " with " + String.format(Locale.ROOT, "%,d", Long.parseLong(warmup.trim()))
                + " records of 100 B")
                + " before its rounds.";
    }

    static List<Map<String, String>> readCsv(Path file) throws IOException {
        List<Map<String, String>> rows = new ArrayList<>();
        if (!Files.exists(file)) return rows;
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty()) return rows;
        String[] header = lines.get(0).split(",", -1);
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) continue;
            String[] f = line.split(",", -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.length; i++) row.put(header[i], i < f.length ? f[i] : "");
            rows.add(row);
        }
        return rows;
    }

    static double median(double[] sorted) {
        if (sorted.length == 0) return Double.NaN;
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double min(double[] sorted) {
        return sorted.length == 0 ? Double.NaN : sorted[0];
    }

    private static double max(double[] sorted) {
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
    }

    private static String num(double v) {
        if (Double.isNaN(v)) return "n/a";
        if (Double.isInfinite(v)) return "inf";
        double a = Math.abs(v);
        if (a >= 10000) return String.format(Locale.ROOT, "%,.0f", v);
        if (a >= 100) return String.format(Locale.ROOT, "%.0f", v);
        if (a >= 10) return String.format(Locale.ROOT, "%.1f", v);
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String ratio(double v) {
        if (Double.isNaN(v)) return "n/a";
        if (Double.isInfinite(v)) return "inf";
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static void printTable(PrintStream out, String label, Properties meta, Iterable<Metric> metrics) {
        List<String> modes = modes(metrics);
        out.println("Tributary " + meta.getProperty("tributary_version", "?") + " / Apache Kafka "
                + meta.getProperty("kafka_version", "?") + " — " + label + " — " + meta.getProperty("timestamp_utc", ""));
        out.println("Ratio = Tributary / Kafka per round; median [min, max] over rounds. Tributary and Kafka columns: median values.");
        out.println("target: the issue's goal (ratio >= 1 for throughput, <= 1 for CPU, e2e p99, start and idle RSS); judged on the median.");
        if (modes.size() > 1 || !modes.equals(List.of(COLD))) out.println(modeLegend(meta));
        String row = "%-31s %-21s %-6s";
        String group = "  %12s %12s %7s %7s %7s  %-10s";
        int groupWidth = String.format(Locale.ROOT, group, "", "", "", "", "", "").length();
        if (!modes.isEmpty()) {
            StringBuilder titles = new StringBuilder(String.format(Locale.ROOT, row, "", "", ""));
            for (String mode : modes) {
                String t = " " + mode + " ";
                int dashes = groupWidth - 2 - t.length();
                titles.append("  ").append("-".repeat(dashes / 2)).append(t).append("-".repeat(dashes - dashes / 2));
            }
            out.println(titles);
        }
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, row, "scenario", "metric", "better"));
        for (int i = 0; i < modes.size(); i++) {
            header.append(String.format(Locale.ROOT, group, "Tributary", "Kafka", "ratio", "min", "max", "target met"));
        }
        out.println(header.toString().stripTrailing());
        String last = null;
        Map<String, int[]> met = new LinkedHashMap<>();
        for (String mode : modes) met.put(mode, new int[2]);
        for (Map<String, Metric> byMode : rows(metrics).values()) {
            Metric any = byMode.values().iterator().next();
            String scenario = any.scenario.equals(last) ? "" : any.scenario;
            last = any.scenario;
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, row, scenario, any.name,
                    any.better == Better.HIGHER ? "higher" : "lower"));
            for (String mode : modes) {
                Metric m = byMode.get(mode);
                if (m == null) {
                    line.append(String.format(Locale.ROOT, group, "-", "-", "-", "-", "-", "-"));
                    continue;
                }
                double[] r = m.ratios();
                line.append(String.format(Locale.ROOT, group, num(median(m.values(TRIBUTARY))), num(median(m.values(KAFKA))),
                        ratio(median(r)), ratio(min(r)), ratio(max(r)), m.meets()));
                if (m.targeted) {
                    met.get(mode)[1]++;
                    if (m.meets().equals("yes")) met.get(mode)[0]++;
                }
            }
            out.println(line.toString().stripTrailing());
        }
        List<String> counts = new ArrayList<>();
        for (Map.Entry<String, int[]> e : met.entrySet()) {
            counts.add(String.format(Locale.ROOT, "%s %d of %d", e.getKey(), e.getValue()[0], e.getValue()[1]));
        }
        out.printf(Locale.ROOT, "%nTargets met (by median ratio): %s%n", String.join("; ", counts));
    }

    static void writeRatios(Path file, Iterable<Metric> metrics) throws IOException {
        StringBuilder sb = new StringBuilder(
                "scenario,metric,better,tributary_median,kafka_median,ratio_median,ratio_min,ratio_max,rounds,target_met,mode\n");
        for (Metric m : metrics) {
            double[] r = m.ratios();
            sb.append(String.join(",", m.scenario, m.name, m.better.name().toLowerCase(Locale.ROOT),
                    Double.toString(median(m.values(TRIBUTARY))), Double.toString(median(m.values(KAFKA))),
                    Double.toString(median(r)), Double.toString(min(r)), Double.toString(max(r)),
                    Integer.toString(r.length), m.meets(), m.mode)).append('\n');
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------------------------------
    // Charts: horizontal grouped bars, one group per scenario, bar = median over rounds, whisker
    // = min..max over rounds. Plain java.awt, so no plotting library is needed.
    // ---------------------------------------------------------------------------------------

    static final class Panel {
        final String title;
        final List<String> categories = new ArrayList<>();
        final List<Metric> metrics = new ArrayList<>();

        Panel(String title) {
            this.title = title;
        }

        void add(String category, Metric m) {
            categories.add(category);
            metrics.add(m);
        }
    }

    /** One bar group per scenario and mode, the modes of a scenario together. */
    private static Panel panel(Iterable<Metric> metrics, List<String> modes, String title, String metricName) {
        Panel p = new Panel(title);
        for (Map<String, Metric> byMode : rows(metrics).values()) {
            for (String mode : modes) {
                Metric m = byMode.get(mode);
                if (m != null && m.name.equals(metricName)) p.add(category(m.scenario, m, modes), m);
            }
        }
        return p;
    }

    /** The label of a bar group, with its mode when the run has more than one. */
    private static String category(String label, Metric m, List<String> modes) {
        return modes.size() > 1 ? label + " (" + m.mode + ")" : label;
    }

    private static final int WIDTH = 1400;
    private static final int LEFT = 330;
    private static final int RIGHT = 110;
    private static final int GROUP = 40;
    private static final int BAR = 15;

    /** {@code note}, when not null, is one more line under the subtitle (what the modes are). */
    static void drawChart(Path file, String title, String subtitle, String note, List<Panel> panels) throws IOException {
        int noteHeight = note == null ? 0 : 18;
        int height = 120 + noteHeight;
        for (Panel p : panels) height += panelHeight(p);
        BufferedImage img = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, height);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
            g.drawString(title, 20, 32);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            g.setColor(Color.DARK_GRAY);
            g.drawString(subtitle, 20, 54);
            g.drawString("Bars: median over rounds; whiskers: min to max.", 20, 72);
            if (note != null) g.drawString(note, 20, 90);
            if (subtitle.contains("smoke")) {
                g.setColor(new Color(0xb0, 0x00, 0x00));
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
                g.drawString("Smoke run on a busy shared machine: not a measurement to quote.", 20, 90 + noteHeight);
            }
            legend(g, WIDTH - 330, 62);
            int y = 110 + noteHeight;
            for (Panel p : panels) {
                drawPanel(g, p, y);
                y += panelHeight(p);
            }
        } finally {
            g.dispose();
        }
        ImageIO.write(img, "png", file.toFile());
    }

    private static int panelHeight(Panel p) {
        return 70 + Math.max(1, p.categories.size()) * GROUP;
    }

    private static void legend(Graphics2D g, int x, int y) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        g.setColor(TRIBUTARY_COLOR);
        g.fillRect(x, y - 12, 14, 14);
        g.setColor(Color.BLACK);
        g.drawString("Tributary", x + 20, y);
        g.setColor(KAFKA_COLOR);
        g.fillRect(x + 130, y - 12, 14, 14);
        g.setColor(Color.BLACK);
        g.drawString("Apache Kafka", x + 150, y);
    }

    private static void drawPanel(Graphics2D g, Panel p, int top) {
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(p.title, 20, top + 16);
        int plotTop = top + 30;
        int plotLeft = LEFT;
        int plotWidth = WIDTH - LEFT - RIGHT;
        int plotHeight = Math.max(1, p.categories.size()) * GROUP;
        double maxValue = 0;
        for (Metric m : p.metrics) {
            for (double v : m.values(TRIBUTARY)) if (Double.isFinite(v)) maxValue = Math.max(maxValue, v);
            for (double v : m.values(KAFKA)) if (Double.isFinite(v)) maxValue = Math.max(maxValue, v);
        }
        double[] ticks = niceTicks(maxValue);
        double axisMax = ticks[ticks.length - 1];
        Font small = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        g.setFont(small);
        FontMetrics fm = g.getFontMetrics();
        double step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
        int decimals = step >= 1 ? 0 : (int) Math.ceil(-Math.log10(step) - 1e-9);
        for (double t : ticks) {
            int x = plotLeft + (int) Math.round(t / axisMax * plotWidth);
            g.setColor(new Color(0xe6, 0xe6, 0xe6));
            g.drawLine(x, plotTop, x, plotTop + plotHeight);
            g.setColor(Color.DARK_GRAY);
            String s = String.format(Locale.ROOT, step >= 1000 ? "%,.0f" : "%." + decimals + "f", t);
            g.drawString(s, x - fm.stringWidth(s) / 2, plotTop + plotHeight + 16);
        }
        g.setColor(Color.GRAY);
        g.drawLine(plotLeft, plotTop, plotLeft, plotTop + plotHeight);
        if (p.categories.isEmpty()) {
            g.setColor(Color.DARK_GRAY);
            g.drawString("(no data in this run)", plotLeft + 10, plotTop + 24);
        }
        for (int i = 0; i < p.categories.size(); i++) {
            int gy = plotTop + i * GROUP;
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            String cat = p.categories.get(i);
            FontMetrics cfm = g.getFontMetrics();
            g.drawString(cat, plotLeft - 10 - cfm.stringWidth(cat), gy + GROUP / 2 + 5);
            Metric m = p.metrics.get(i);
            bar(g, m.values(TRIBUTARY), TRIBUTARY_COLOR, plotLeft, plotWidth, axisMax, gy + 4);
            bar(g, m.values(KAFKA), KAFKA_COLOR, plotLeft, plotWidth, axisMax, gy + 4 + BAR + 2);
        }
    }

    private static void bar(Graphics2D g, double[] values, Color color, int left, int width, double axisMax, int y) {
        if (values.length == 0) return;
        double med = median(values);
        int w = (int) Math.round(med / axisMax * width);
        g.setColor(color);
        g.fillRect(left, y, Math.max(w, 1), BAR);
        int x0 = left + (int) Math.round(min(values) / axisMax * width);
        int x1 = left + (int) Math.round(max(values) / axisMax * width);
        if (x1 > x0) {
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(1.2f));
            int cy = y + BAR / 2;
            g.drawLine(x0, cy, x1, cy);
            g.drawLine(x0, cy - 4, x0, cy + 4);
            g.drawLine(x1, cy - 4, x1, cy + 4);
        }
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(num(med), Math.max(left + w, x1) + 6, y + BAR - 3);
    }

    /** Tick values 0, step, 2*step ... covering {@code max} with a 1/2/5 x 10^n step. */
    static double[] niceTicks(double max) {
        if (!(max > 0)) return new double[] {0, 1};
        double rough = max / 5;
        double pow = Math.pow(10, Math.floor(Math.log10(rough)));
        double step = pow;
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * pow >= rough) {
                step = m * pow;
                break;
            }
        }
        int n = (int) Math.ceil(max / step);
        double[] ticks = new double[n + 1];
        for (int i = 0; i <= n; i++) ticks[i] = i * step;
        return Arrays.copyOf(ticks, ticks.length);
    }
}
