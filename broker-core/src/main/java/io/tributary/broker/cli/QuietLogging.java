package io.tributary.broker.cli;

import java.util.logging.Level;
import java.util.logging.Logger;

/** Logging setup of the tools: only warnings and errors, so their output stays readable. */
public final class QuietLogging {
    public QuietLogging() {
        Logger root = Logger.getLogger("");
        root.setLevel(Level.WARNING);
        if (root.getHandlers().length == 0) root.addHandler(new java.util.logging.ConsoleHandler());
        for (var h : root.getHandlers()) h.setLevel(Level.WARNING);
    }
}
