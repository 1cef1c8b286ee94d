package io.tributary.broker.log;

import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Properties;

/**
 * The checkpoint file {@code partition.state} of a partition directory: the log start offset
 * (moved by retention and DeleteRecords), the recovery point (every offset below it is on disk)
 * and the last high watermark written ({@link #UNKNOWN_HIGH_WATERMARK} in files written before
 * the high watermark was recorded, which are still read). Written to a temporary file, fsynced
 * and renamed, so a crash leaves either the old or the new checkpoint, never a torn one.
 */
public record PartitionState(long logStartOffset, long recoveryPoint, long highWatermark) {
    static final String FILE_NAME = "partition.state";
    /** The high watermark of a checkpoint that does not record one. */
    public static final long UNKNOWN_HIGH_WATERMARK = -1;

    /** A checkpoint without a high watermark. */
    public PartitionState(long logStartOffset, long recoveryPoint) {
        this(logStartOffset, recoveryPoint, UNKNOWN_HIGH_WATERMARK);
    }

    public static PartitionState read(File dir) throws IOException {
        File file = new File(dir, FILE_NAME);
        if (!file.exists()) return new PartitionState(0, 0);
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file.toPath(), StandardCharsets.UTF_8)) {
            p.load(r);
        }
        try {
            return new PartitionState(Long.parseLong(p.getProperty("log.start.offset", "0")),
                    Long.parseLong(p.getProperty("recovery.point", "0")),
                    Long.parseLong(p.getProperty("high.watermark", Long.toString(UNKNOWN_HIGH_WATERMARK))));
        } catch (NumberFormatException e) {
            return new PartitionState(0, 0);
        }
    }

    public void write(File dir) throws IOException {
        File tmp = new File(dir, FILE_NAME + ".tmp");
        Properties p = new Properties();
        p.setProperty("log.start.offset", Long.toString(logStartOffset));
        p.setProperty("recovery.point", Long.toString(recoveryPoint));
        if (highWatermark != UNKNOWN_HIGH_WATERMARK) p.setProperty("high.watermark", Long.toString(highWatermark));
        try (Writer w = Files.newBufferedWriter(tmp.toPath(), StandardCharsets.UTF_8)) {
            p.store(w, null);
        }
        try (FileChannel ch = FileChannel.open(tmp.toPath(), StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp.toPath(), new File(dir, FILE_NAME).toPath(), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }
}
