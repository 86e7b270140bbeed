package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// docCommand is one shell command of a walkthrough, as a reader would type
// it (continuation lines joined), with the exit code the page expects.
type docCommand struct {
	line     int // first line in the page, 1-based
	text     string
	wantExit int
}

// docBlock is one fenced ```sh block: run, or marked <!-- not run ... -->.
type docBlock struct {
	line     int
	run      bool
	why      string // the not-run marker's reason
	commands []docCommand
}

// exitsComment is the trailing comment a page uses for an expected failure.
var exitsComment = regexp.MustCompile(`#\s*exits\s+(\d+)\b`)

// notRunMarker marks the next fenced block as not run, with a reason.
var notRunMarker = regexp.MustCompile(`^<!--\s*not run\b:?\s*(.*?)\s*-->$`)

// shellBlocks returns the ```sh blocks of a Markdown page in order. Other
// fences (```text, ```yaml, ```console) are output or files, not commands.
func shellBlocks(page string) ([]docBlock, error) {
	var blocks []docBlock
	lines := strings.Split(page, "\n")
	marker, markerSet := "", false
	for i := 0; i < len(lines); i++ {
		trimmed := strings.TrimSpace(lines[i])
		if m := notRunMarker.FindStringSubmatch(trimmed); m != nil {
			marker, markerSet = m[1], true
			continue
		}
		if !strings.HasPrefix(trimmed, "```") {
			if trimmed != "" {
				markerSet = false
			}
			continue
		}
		info := strings.TrimSpace(strings.TrimPrefix(trimmed, "```"))
		start := i + 1
		end := start
		for end < len(lines) && strings.TrimSpace(lines[end]) != "```" {
			end++
		}
		if end == len(lines) {
			return nil, fmt.Errorf("line %d: fence never closed", i+1)
		}
		if info == "sh" || info == "bash" {
			b := docBlock{line: i + 1, run: !markerSet, why: marker}
			cmds, err := blockCommands(lines[start:end], start+1)
			if err != nil {
				return nil, err
			}
			b.commands = cmds
			blocks = append(blocks, b)
		}
		markerSet = false
		i = end
	}
	return blocks, nil
}

// blockCommands joins continuation lines and drops blank and comment lines.
func blockCommands(lines []string, first int) ([]docCommand, error) {
	var out []docCommand
	for i := 0; i < len(lines); i++ {
		text := strings.TrimSpace(lines[i])
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		c := docCommand{line: first + i}
		for strings.HasSuffix(text, `\`) && i+1 < len(lines) {
			i++
			text = strings.TrimSuffix(text, `\`) + " " + strings.TrimSpace(lines[i])
		}
		c.text = text
		if m := exitsComment.FindStringSubmatch(text); m != nil {
			n, err := strconv.Atoi(m[1])
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", c.line, err)
			}
			c.wantExit = n
		}
		out = append(out, c)
	}
	return out, nil
}
