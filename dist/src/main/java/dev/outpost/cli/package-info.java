/** The {@code outpost} command line: binds config files to the roles' config records and starts them; no behaviour of its own. */
package dev.outpost.cli;
