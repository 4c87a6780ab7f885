package dialogs

import (
	"fmt"
	"sort"
	"strings"
)

// Diagram writes the transition table as a Mermaid state diagram, so that
// the Ordine can review the flow. It is drawn from the same table that runs
// the conversation: buttons, typed dates and reminders are its arrows.
// Back, Menu and the information buttons work everywhere and are left out.
//
// text renders a locale key: given, the states are described and the arrows
// labelled with the words members see (button labels, "typed date", the
// reason of a reminder); nil labels them with the code's own names.
func Diagram(text func(key string) string) string {
	name := func(key, code string) string {
		if text == nil {
			return code
		}
		return strings.NewReplacer("\n", " ", ":", "", ";", ",").Replace(text(key))
	}
	type edge struct{ from, to, label string }
	seen := map[edge]bool{}
	var edges []edge
	add := func(from, to StepID, label string) {
		e := edge{string(from), string(to), label}
		if !seen[e] {
			seen[e] = true
			edges = append(edges, e)
		}
	}
	for id, st := range steps {
		for _, c := range st.choices {
			key := c.label
			if key == "" {
				key = "diagram." + string(c.action)
			}
			for _, to := range c.to {
				add(id, to, name(key, string(c.action)))
			}
		}
		if st.text != nil {
			for _, to := range st.text.to {
				add(id, to, name("diagram.typed", "typed date"))
			}
		}
	}
	for id, st := range steps {
		for _, why := range st.reminds {
			for _, to := range wakes[why].to {
				add(id, to, "⏰ "+name("why."+string(why), string(why)))
			}
		}
	}
	sort.Slice(edges, func(i, j int) bool {
		a, b := edges[i], edges[j]
		if a.from != b.from {
			return a.from < b.from
		}
		if a.to != b.to {
			return a.to < b.to
		}
		return a.label < b.label
	})
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	fmt.Fprintf(&b, "    [*] --> %s\n", StepMenu)
	if text != nil {
		ids := Steps()
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids {
			fmt.Fprintf(&b, "    %s: %s\n", id, name("where."+string(id), string(id)))
		}
	}
	for _, e := range edges {
		fmt.Fprintf(&b, "    %s --> %s: %s\n", e.from, e.to, e.label)
	}
	return b.String()
}
