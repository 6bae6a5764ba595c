"""Deep and large trees: no recursion limits, every activity reachable (timings live in bench/)."""

from courseware.sequencing import SeqActivity, Tree, navigation_request, navigation_view

FLOW = {"controlMode": {"flow": True}}


def deep_tree(depth=50, leaves_per_level=39):
    """A chain of `depth` clusters, each with its leaves: 2,000 activities at depth 50."""
    activities, parent, next_id = [], None, 1
    for level in range(depth):
        activities.append(
            SeqActivity(next_id, f"c{level}", "c", parent, next_id, False, True, FLOW)
        )
        parent, next_id = next_id, next_id + 1
        for k in range(leaves_per_level):
            activities.append(
                SeqActivity(next_id, f"l{level}-{k}", "l", parent, next_id, True, True, {})
            )
            next_id += 1
    return Tree(activities, "scorm2004", root_sequencing=FLOW)


def test_a_deep_tree_of_2000_activities_is_walked_without_recursion():
    tree = deep_tree()
    assert len(tree.nodes) == 2001 and max(tree.depth.values()) == 51
    states, g = {}, {}
    view = navigation_view(tree, states, None, g)
    assert len(view.toc) == 2000 and not any(line.disabled for line in view.toc if line.launchable)
    last = max(tree.nodes)
    result = navigation_request(tree, states, None, "choice", last, g)
    assert result.deliver_id == last
    assert all(states[node].is_active for node in tree.path_to_root(last))
    result = navigation_request(tree, states, last, "previous", None, g)
    assert result.deliver_id == last - 1


def test_flow_skips_a_long_run_of_skipped_siblings_iteratively():
    skip = {
        "sequencingRules": {
            "preConditionRules": [{"conditions": [{"condition": "always"}], "action": "skip"}]
        }
    }
    activities = [SeqActivity(1, "first", "f", None, 0, True, True, {})]
    activities += [SeqActivity(i, f"s{i}", "s", None, i, True, True, skip) for i in range(2, 2000)]
    activities.append(SeqActivity(2000, "last", "l", None, 2000, True, True, {}))
    tree = Tree(activities, "scorm2004", root_sequencing=FLOW)
    states, g = {}, {}
    first = navigation_request(tree, states, None, "start", None, g)
    assert first.deliver_id == 1
    assert navigation_request(tree, states, 1, "continue", None, g).deliver_id == 2000
