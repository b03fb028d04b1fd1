package main

// Checks a Nomad agent makes when a job is registered, redone here without an agent.
// Each names the rule it mirrors; the limits are Nomad's (minimum check interval and
// timeout 1s, minimum restart interval 5s, priority 1..100, spread weight 0..100).

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/cronexpr"
	"github.com/hashicorp/nomad/api"
)

type problems []string

func (p *problems) add(path, format string, args ...any) {
	*p = append(*p, path+": "+fmt.Sprintf(format, args...))
}

func in(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// checkRaw checks what must be present as written (before defaults are filled in).
func checkRaw(job *api.Job, p *problems) {
	if str(job.ID) == "" {
		p.add("Job.ID", "missing job ID")
	} else if strings.ContainsAny(*job.ID, " \x00") {
		p.add("Job.ID", "job ID %q contains a space or a null character", *job.ID)
	}
	if str(job.Name) == "" {
		p.add("Job.Name", "missing job name")
	}
	if job.Type != nil && !in(*job.Type, "service", "batch", "system", "sysbatch") {
		p.add("Job.Type", "invalid job type %q: want service, batch, system or sysbatch", *job.Type)
	}
	if job.Priority != nil && (*job.Priority < 1 || *job.Priority > 100) {
		p.add("Job.Priority", "priority %d is outside 1..100", *job.Priority)
	}
	if len(job.TaskGroups) == 0 {
		p.add("Job.TaskGroups", "missing job task groups")
	}
	groups := map[string]bool{}
	for i, tg := range job.TaskGroups {
		at := fmt.Sprintf("Job.TaskGroups[%d]", i)
		if tg == nil {
			p.add(at, "null task group")
			continue
		}
		switch name := str(tg.Name); {
		case name == "":
			p.add(at+".Name", "missing task group name")
		case groups[name]:
			p.add(at+".Name", "duplicate task group %q", name)
		default:
			groups[name] = true
		}
		if len(tg.Tasks) == 0 {
			p.add(at+".Tasks", "missing tasks for task group")
		}
		tasks := map[string]bool{}
		for j, task := range tg.Tasks {
			tat := fmt.Sprintf("%s.Tasks[%d]", at, j)
			if task == nil {
				p.add(tat, "null task")
				continue
			}
			switch {
			case task.Name == "":
				p.add(tat+".Name", "missing task name")
			case strings.Contains(task.Name, "/"):
				p.add(tat+".Name", "task name %q contains a slash", task.Name)
			case tasks[task.Name]:
				p.add(tat+".Name", "duplicate task %q", task.Name)
			default:
				tasks[task.Name] = true
			}
			if task.Driver == "" {
				p.add(tat+".Driver", "missing task driver")
			}
			for k, tmpl := range task.Templates {
				checkTemplate(fmt.Sprintf("%s.Templates[%d]", tat, k), tmpl, p)
			}
		}
	}
	if job.Periodic != nil {
		checkPeriodic(job, p)
	}
}

func checkPeriodic(job *api.Job, p *problems) {
	per := job.Periodic
	if job.Type == nil || !in(*job.Type, "batch", "sysbatch") {
		p.add("Job.Periodic", "periodic can only be used with batch or sysbatch jobs, not %q", str(job.Type))
	}
	if per.Enabled != nil && !*per.Enabled {
		return
	}
	if per.SpecType != nil && *per.SpecType != "cron" {
		p.add("Job.Periodic.SpecType", "unknown periodic spec type %q", *per.SpecType)
	}
	specs := per.Specs
	if per.Spec != nil {
		specs = append([]string{*per.Spec}, specs...)
	}
	if len(specs) == 0 || (per.Spec != nil && *per.Spec == "") {
		p.add("Job.Periodic.Spec", "periodic job has no cron spec")
	}
	for _, spec := range specs {
		if _, err := cronexpr.Parse(spec); err != nil && spec != "" {
			p.add("Job.Periodic.Spec", "invalid cron spec %q: %v", spec, err)
		}
	}
	if per.TimeZone != nil {
		if _, err := time.LoadLocation(*per.TimeZone); err != nil {
			p.add("Job.Periodic.TimeZone", "invalid time zone %q: %v", *per.TimeZone, err)
		}
	}
}

// checkCanonical checks a job whose defaults api.Job.Canonicalize has filled in, so that
// job-level update and restart settings are merged into each group as the agent does.
func checkCanonical(job *api.Job, p *problems) {
	for _, c := range job.Constraints {
		checkConstraint("Job.Constraints", c, p)
	}
	checkSpreads("Job.Spreads", job.Spreads, p)
	for i, tg := range job.TaskGroups {
		at := fmt.Sprintf("Job.TaskGroups[%d]", i)
		if tg == nil {
			continue // reported by checkRaw
		}
		if tg.Count != nil && *tg.Count < 0 {
			p.add(at+".Count", "count %d is negative", *tg.Count)
		}
		if str(job.Type) == "service" && tg.Update != nil {
			checkUpdate(at+".Update", tg.Update, p)
		}
		checkRestart(at+".RestartPolicy", tg.RestartPolicy, p)
		for _, c := range tg.Constraints {
			checkConstraint(at+".Constraints", c, p)
		}
		checkSpreads(at+".Spreads", tg.Spreads, p)
		ports := portLabels(tg.Networks)
		for j, svc := range tg.Services {
			checkService(fmt.Sprintf("%s.Services[%d]", at, j), svc, ports, p)
		}
		for name, vol := range tg.Volumes {
			if vol != nil && !in(vol.Type, "host", "csi") {
				p.add(fmt.Sprintf("%s.Volumes[%q].Type", at, name), "volume type %q: want host or csi", vol.Type)
			}
			if vol != nil && vol.Source == "" {
				p.add(fmt.Sprintf("%s.Volumes[%q].Source", at, name), "volume has no source")
			}
		}
		for j, task := range tg.Tasks {
			if task == nil {
				continue
			}
			checkTask(fmt.Sprintf("%s.Tasks[%d]", at, j), task, tg, ports, p)
		}
	}
}

func checkTask(at string, task *api.Task, tg *api.TaskGroup, ports map[string]bool, p *problems) {
	if task.Lifecycle != nil && !in(task.Lifecycle.Hook, "prestart", "poststart", "poststop") {
		p.add(at+".Lifecycle.Hook", "invalid lifecycle hook %q: want prestart, poststart or poststop", task.Lifecycle.Hook)
	}
	if task.Driver == "docker" {
		if image, ok := task.Config["image"].(string); !ok || image == "" {
			p.add(at+".Config.image", "the docker driver needs a non-empty string image")
		}
		if list, ok := task.Config["ports"].([]any); ok {
			for k, label := range list {
				if s, ok := label.(string); !ok || !ports[s] {
					p.add(fmt.Sprintf("%s.Config.ports[%d]", at, k), "port label %v is not defined in the group's network", label)
				}
			}
		}
	}
	for j, svc := range task.Services {
		checkService(fmt.Sprintf("%s.Services[%d]", at, j), svc, ports, p)
	}
	for j, vm := range task.VolumeMounts {
		if vm == nil {
			continue
		}
		if tg.Volumes[str(vm.Volume)] == nil {
			p.add(fmt.Sprintf("%s.VolumeMounts[%d].Volume", at, j), "volume %q is not requested by the group", str(vm.Volume))
		}
	}
	if r := task.Resources; r != nil {
		if r.CPU != nil && *r.CPU < 1 && (r.Cores == nil || *r.Cores == 0) {
			p.add(at+".Resources.CPU", "minimum CPU value is 1, got %d", *r.CPU)
		}
		if r.MemoryMB != nil && *r.MemoryMB < 10 {
			p.add(at+".Resources.MemoryMB", "minimum MemoryMB value is 10, got %d", *r.MemoryMB)
		}
	}
	for _, c := range task.Constraints {
		checkConstraint(at+".Constraints", c, p)
	}
	if !reflect.DeepEqual(task.RestartPolicy, tg.RestartPolicy) { // else reported for the group
		checkRestart(at+".RestartPolicy", task.RestartPolicy, p)
	}
}

func portLabels(networks []*api.NetworkResource) map[string]bool {
	labels := map[string]bool{}
	for _, n := range networks {
		if n == nil {
			continue
		}
		for _, port := range append(append([]api.Port{}, n.DynamicPorts...), n.ReservedPorts...) {
			labels[port.Label] = true
		}
	}
	return labels
}

func knownPort(label string, ports map[string]bool) bool {
	if _, err := strconv.Atoi(label); err == nil {
		return true
	}
	return label == "" || ports[label]
}

func checkService(at string, svc *api.Service, ports map[string]bool, p *problems) {
	if svc == nil {
		p.add(at, "null service")
		return
	}
	if !in(svc.Provider, "", "consul", "nomad") {
		p.add(at+".Provider", "service provider %q: want consul or nomad", svc.Provider)
	}
	if !knownPort(svc.PortLabel, ports) {
		p.add(at+".PortLabel", "port label %q referenced by the service does not exist in the group's network", svc.PortLabel)
	}
	for k, check := range svc.Checks {
		cat := fmt.Sprintf("%s.Checks[%d]", at, k)
		types := []string{"http", "tcp", "script", "grpc"}
		if svc.Provider == "nomad" {
			types = []string{"http", "tcp"}
		}
		if !in(check.Type, types...) {
			p.add(cat+".Type", "check type %q is not one of %v", check.Type, types)
		}
		if check.Type == "http" {
			if u, err := url.Parse(check.Path); check.Path == "" || err != nil || u.IsAbs() {
				p.add(cat+".Path", "an http check needs a relative http path, got %q", check.Path)
			}
		}
		if check.Interval < time.Second {
			p.add(cat+".Interval", "interval %v is below the minimum 1s (nanoseconds: %d)", check.Interval, int64(check.Interval))
		}
		if check.Timeout < time.Second {
			p.add(cat+".Timeout", "timeout %v is below the minimum 1s (nanoseconds: %d)", check.Timeout, int64(check.Timeout))
		}
		if !knownPort(check.PortLabel, ports) {
			p.add(cat+".PortLabel", "port label %q referenced by the check does not exist in the group's network", check.PortLabel)
		}
	}
}

func checkTemplate(at string, t *api.Template, p *problems) {
	if t == nil {
		p.add(at, "null template")
		return
	}
	if str(t.DestPath) == "" {
		p.add(at+".DestPath", "template has no destination")
	}
	if str(t.SourcePath) == "" && str(t.EmbeddedTmpl) == "" {
		p.add(at, "template needs a SourcePath or a non-empty EmbeddedTmpl")
	}
	mode := str(t.ChangeMode)
	if mode != "" && !in(mode, "noop", "restart", "signal", "script") {
		p.add(at+".ChangeMode", "change mode %q: want noop, restart, signal or script", mode)
	}
	if perms := str(t.Perms); perms != "" {
		if _, err := strconv.ParseUint(perms, 8, 12); err != nil {
			p.add(at+".Perms", "perms %q is not an octal file mode", perms)
		}
	}
}

func checkUpdate(at string, u *api.UpdateStrategy, p *problems) {
	d := func(x *time.Duration) time.Duration {
		if x == nil {
			return 0
		}
		return *x
	}
	if hc := str(u.HealthCheck); !in(hc, "checks", "task_states", "manual") {
		p.add(at+".HealthCheck", "invalid health check %q", hc)
	}
	if u.MaxParallel != nil && *u.MaxParallel < 0 {
		p.add(at+".MaxParallel", "max parallel can not be less than zero")
	}
	if u.Canary != nil && *u.Canary < 0 {
		p.add(at+".Canary", "canary count can not be less than zero")
	}
	if d(u.HealthyDeadline) <= 0 {
		p.add(at+".HealthyDeadline", "healthy deadline must be greater than zero")
	}
	if d(u.MinHealthyTime) >= d(u.HealthyDeadline) {
		p.add(at+".MinHealthyTime", "minimum healthy time %v must be less than healthy deadline %v",
			d(u.MinHealthyTime), d(u.HealthyDeadline))
	}
	if pd := d(u.ProgressDeadline); pd != 0 && d(u.HealthyDeadline) >= pd {
		p.add(at+".HealthyDeadline", "healthy deadline %v must be less than progress deadline %v",
			d(u.HealthyDeadline), pd)
	}
	if u.Stagger != nil && *u.Stagger <= 0 {
		p.add(at+".Stagger", "stagger must be greater than zero")
	}
}

func checkRestart(at string, r *api.RestartPolicy, p *problems) {
	if r == nil || r.Mode == nil || r.Attempts == nil || r.Interval == nil || r.Delay == nil {
		return // a task's policy is merged with its group's by the agent; partial is fine
	}
	if !in(*r.Mode, "delay", "fail") {
		p.add(at+".Mode", "unsupported restart mode %q: want delay or fail", *r.Mode)
	}
	if *r.Attempts == 0 && *r.Mode != "fail" {
		p.add(at+".Attempts", "restart policy %q with 0 attempts is ambiguous", *r.Mode)
	}
	if *r.Interval < 5*time.Second {
		p.add(at+".Interval", "restart interval can not be less than 5s (got %v)", *r.Interval)
	}
	if time.Duration(*r.Attempts)**r.Delay > *r.Interval {
		p.add(at, "cannot restart %d times in an interval of %v with a delay of %v", *r.Attempts, *r.Interval, *r.Delay)
	}
}

var operands = []string{"", "=", "==", "is", "!=", "not", ">", ">=", "<", "<=", "regexp",
	"set_contains", "set_contains_all", "set_contains_any", "version", "semver",
	"distinct_hosts", "distinct_property", "is_set", "is_not_set"}

func checkConstraint(at string, c *api.Constraint, p *problems) {
	if c != nil && !in(c.Operand, operands...) {
		p.add(at, "unknown constraint operator %q", c.Operand)
	}
}

func checkSpreads(at string, spreads []*api.Spread, p *problems) {
	for i, s := range spreads {
		sat := fmt.Sprintf("%s[%d]", at, i)
		if s == nil {
			continue
		}
		if s.Attribute == "" {
			p.add(sat+".Attribute", "spread has no attribute")
		}
		if s.Weight != nil && (*s.Weight < 0 || *s.Weight > 100) {
			p.add(sat+".Weight", "spread weight %d is outside 0..100", *s.Weight)
		}
		total := 0
		for _, t := range s.SpreadTarget {
			if t == nil {
				continue
			}
			total += int(t.Percent)
		}
		if total > 100 {
			p.add(sat+".SpreadTarget", "spread target percentages add up to %d, over 100", total)
		}
	}
}
