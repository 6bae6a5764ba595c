"""The demo's national picture: institutions, people and programmes, written in Vietnamese.

Names are plausible, not official; coordinates sit in the named city or province.
"""

from pathlib import Path

DEMO_PASSWORD = "taynghe-demo"

# The demo's own courseware packages, one folder each (see its README).
COURSEWARE_DIR = Path(__file__).resolve().parent / "courseware"

# code, name, short name, kind, province, address, latitude, longitude, programmes
INSTITUTIONS = [
    (
        "CDKTHN",
        "Trường Cao đẳng Kỹ thuật Công nghiệp Hà Nội",
        "CĐ KTCN Hà Nội",
        "college",
        "Hà Nội",
        "131 Thái Thịnh, Đống Đa, Hà Nội",
        "21.010200",
        "105.816900",
        ["electric", "welding"],
    ),
    (
        "CDDLHN",
        "Trường Cao đẳng Du lịch Hà Nội",
        "CĐ Du lịch HN",
        "college",
        "Hà Nội",
        "236 Hoàng Quốc Việt, Cầu Giấy, Hà Nội",
        "21.046300",
        "105.790200",
        ["hospitality"],
    ),
    (
        "CDCDHP",
        "Trường Cao đẳng Cơ điện Hải Phòng",
        "CĐ Cơ điện HP",
        "college",
        "Hải Phòng",
        "Số 5 Đà Nẵng, Ngô Quyền, Hải Phòng",
        "20.859800",
        "106.698600",
        ["electric", "welding"],
    ),
    (
        "TCNQN",
        "Trường Trung cấp Nghề Quảng Ninh",
        "TC Nghề QN",
        "intermediate",
        "Quảng Ninh",
        "Phường Hồng Hải, Hạ Long, Quảng Ninh",
        "20.951200",
        "107.079700",
        ["welding"],
    ),
    (
        "CDNAN",
        "Trường Cao đẳng Kỹ thuật Nghệ An",
        "CĐ KT Nghệ An",
        "college",
        "Nghệ An",
        "Đường Lê Duẩn, Vinh, Nghệ An",
        "18.674600",
        "105.692200",
        ["electric"],
    ),
    (
        "CDHUE",
        "Trường Cao đẳng Du lịch Huế",
        "CĐ Du lịch Huế",
        "college",
        "Huế",
        "04 Trần Quang Khải, Huế",
        "16.470600",
        "107.597500",
        ["hospitality"],
    ),
    (
        "CDDN",
        "Trường Cao đẳng Nghề Đà Nẵng",
        "CĐ Nghề ĐN",
        "college",
        "Đà Nẵng",
        "99 Tô Hiến Thành, Sơn Trà, Đà Nẵng",
        "16.063900",
        "108.242100",
        ["electric", "hospitality"],
    ),
    (
        "TTDNKH",
        "Trung tâm Giáo dục nghề nghiệp Nha Trang",
        "TT GDNN Nha Trang",
        "training_centre",
        "Khánh Hòa",
        "Đường 23/10, Nha Trang, Khánh Hòa",
        "12.245100",
        "109.183600",
        ["hospitality"],
    ),
    (
        "CDKTHCM",
        "Trường Cao đẳng Kỹ thuật Thành phố Hồ Chí Minh",
        "CĐ KT TP.HCM",
        "college",
        "TP. Hồ Chí Minh",
        "65 Huỳnh Thúc Kháng, Quận 1, TP. Hồ Chí Minh",
        "10.772500",
        "106.703900",
        ["electric", "welding", "hospitality"],
    ),
    (
        "TCKTBD",
        "Trường Trung cấp Kỹ thuật Bình Dương",
        "TC KT Bình Dương",
        "intermediate",
        "Bình Dương",
        "Đại lộ Bình Dương, Thủ Dầu Một, Bình Dương",
        "10.980400",
        "106.651900",
        ["welding", "electric"],
    ),
    (
        "CDCT",
        "Trường Cao đẳng Kinh tế - Kỹ thuật Cần Thơ",
        "CĐ KT-KT Cần Thơ",
        "college",
        "Cần Thơ",
        "9 Cách Mạng Tháng 8, Ninh Kiều, Cần Thơ",
        "10.045200",
        "105.746900",
        ["electric", "hospitality"],
    ),
    (
        "TTDNLD",
        "Trung tâm Đào tạo nghề Lâm Đồng",
        "TT Đào tạo nghề LĐ",
        "training_centre",
        "Lâm Đồng",
        "Đường 3/2, Đà Lạt, Lâm Đồng",
        "11.940400",
        "108.458300",
        ["hospitality"],
    ),
    (
        "DNLILAMA",
        "Công ty Cổ phần Lắp máy Việt Nam — Trung tâm đào tạo",
        "Lilama Đào tạo",
        "enterprise",
        "Ninh Bình",
        "Phường Nam Bình, Ninh Bình",
        "20.250600",
        "105.974500",
        ["welding"],
    ),
]

LEARNER_NAMES = [
    ("Nguyễn Văn", "An"),
    ("Trần Thị", "Bình"),
    ("Lê Minh", "Châu"),
    ("Phạm Quốc", "Dũng"),
    ("Hoàng Thị", "Giang"),
    ("Vũ Đức", "Hải"),
    ("Đặng Thu", "Hằng"),
    ("Bùi Văn", "Khánh"),
    ("Đỗ Thị", "Lan"),
    ("Ngô Thanh", "Long"),
    ("Dương Thị", "Mai"),
    ("Lý Văn", "Nam"),
]
STAFF_NAMES = {
    "admin": ("Phan Thị", "Quỳnh"),
    "teacher": ("Trịnh Văn", "Sơn"),
    "examiner": ("Mai Thị", "Thảo"),
}

PROGRAMMES = {
    "electric": {
        "title": "Điện công nghiệp",
        "occupation_code": "6520227",
        "level": "college",
        "duration_months": 30,
        "summary": "Lắp đặt, vận hành, bảo dưỡng và sửa chữa hệ thống điện trong nhà máy, xí nghiệp.",
        "outcomes": [
            ("KQ1", "Đọc và lập được bản vẽ điện công nghiệp theo tiêu chuẩn TCVN.", False, ""),
            (
                "KQ2",
                "Lắp đặt, đấu nối tủ điện điều khiển động cơ đúng quy trình an toàn.",
                False,
                "",
            ),
            ("KQ3", "Lập trình và chẩn đoán lỗi bộ điều khiển PLC.", False, ""),
            (
                "KQ4",
                "Tra cứu tài liệu kỹ thuật số và sổ tay thiết bị trên nền tảng trực tuyến.",
                True,
                "information",
            ),
            (
                "KQ5",
                "Sử dụng phần mềm mô phỏng mạch điện để thiết kế và kiểm tra mạch.",
                True,
                "content",
            ),
        ],
        "courses": [
            (
                "DCN101",
                "An toàn điện",
                "Nhận diện nguy cơ, sơ cứu người bị điện giật, làm việc an toàn.",
                [
                    (
                        "Nguy cơ điện giật",
                        ["Tác động của dòng điện lên cơ thể", "Sơ cứu người bị điện giật"],
                    ),
                    ("Thiết bị bảo hộ", ["Dụng cụ cách điện", "Nối đất và chống sét"]),
                ],
            ),
            (
                "DCN201",
                "Trang bị điện",
                "Khí cụ điện, mạch điều khiển động cơ không đồng bộ ba pha.",
                [
                    ("Khí cụ điện hạ áp", ["Công tắc tơ và rơ le nhiệt", "Áp tô mát và cầu chì"]),
                    ("Mạch khởi động động cơ", ["Khởi động trực tiếp", "Khởi động sao – tam giác"]),
                ],
            ),
            (
                "DCN301",
                "Lập trình PLC cơ bản",
                "Cấu trúc PLC, ngôn ngữ LAD, bài toán điều khiển thực tế.",
                [
                    ("Làm quen với PLC", ["Cấu trúc phần cứng PLC", "Phần mềm lập trình"]),
                    ("Lập trình LAD", ["Lệnh tiếp điểm và cuộn dây", "Bộ định thời và bộ đếm"]),
                ],
            ),
        ],
    },
    "welding": {
        "title": "Hàn",
        "occupation_code": "6520123",
        "level": "intermediate",
        "duration_months": 18,
        "summary": "Hàn hồ quang tay, hàn MIG/MAG và hàn TIG kết cấu thép theo tiêu chuẩn quốc tế.",
        "outcomes": [
            ("KQ1", "Chuẩn bị phôi, vát mép và gá lắp mối hàn đúng bản vẽ.", False, ""),
            ("KQ2", "Hàn mối hàn giáp mối ở các tư thế 1G–4G đạt yêu cầu kiểm tra.", False, ""),
            ("KQ3", "Kiểm tra khuyết tật mối hàn bằng mắt và thước đo.", False, ""),
            (
                "KQ4",
                "Ghi nhật ký thực hành và ảnh mối hàn vào hồ sơ học tập số.",
                True,
                "communication",
            ),
        ],
        "courses": [
            (
                "HAN101",
                "An toàn lao động trong hàn",
                "Phòng cháy, bảo hộ mắt và hô hấp khi hàn.",
                [
                    ("Nguy cơ khi hàn", ["Bức xạ hồ quang", "Khói hàn và thông gió"]),
                    ("Phòng cháy chữa cháy", ["Khu vực hàn an toàn", "Xử lý sự cố cháy"]),
                ],
            ),
            (
                "HAN201",
                "Hàn hồ quang tay (SMAW)",
                "Chọn que hàn, chế độ hàn, hàn giáp mối tư thế bằng.",
                [
                    ("Thiết bị và vật liệu", ["Máy hàn và kìm hàn", "Que hàn và cách bảo quản"]),
                    (
                        "Kỹ thuật hàn",
                        ["Gây hồ quang và duy trì hồ quang", "Hàn giáp mối tư thế 1G"],
                    ),
                ],
            ),
            (
                "HAN301",
                "Hàn MIG/MAG",
                "Hàn bán tự động trong môi trường khí bảo vệ.",
                [
                    ("Thiết bị hàn MIG/MAG", ["Nguồn hàn và bộ cấp dây", "Khí bảo vệ"]),
                    ("Kỹ thuật hàn MIG/MAG", ["Chọn chế độ hàn", "Hàn góc tư thế 2F"]),
                ],
            ),
        ],
    },
    "hospitality": {
        "title": "Quản trị khách sạn",
        "occupation_code": "6810201",
        "level": "college",
        "duration_months": 30,
        "summary": "Lễ tân, buồng, nhà hàng và quản trị vận hành khách sạn theo tiêu chuẩn VTOS.",
        "outcomes": [
            ("KQ1", "Thực hiện quy trình đón tiếp, làm thủ tục nhận và trả phòng.", False, ""),
            (
                "KQ2",
                "Giao tiếp với khách bằng tiếng Anh trong các tình huống thường gặp.",
                False,
                "",
            ),
            (
                "KQ3",
                "Sử dụng phần mềm quản lý khách sạn (PMS) để đặt phòng và lập hóa đơn.",
                True,
                "problem_solving",
            ),
            (
                "KQ4",
                "Bảo vệ dữ liệu cá nhân của khách theo quy định về an toàn thông tin.",
                True,
                "safety",
            ),
        ],
        "courses": [
            (
                "KS101",
                "Nghiệp vụ lễ tân",
                "Đặt phòng, đón tiếp, thanh toán và chăm sóc khách.",
                [
                    ("Đặt phòng", ["Các kênh đặt phòng", "Xác nhận và hủy đặt phòng"]),
                    ("Đón tiếp khách", ["Quy trình nhận phòng", "Xử lý phàn nàn của khách"]),
                ],
            ),
            (
                "KS201",
                "Nghiệp vụ buồng",
                "Làm buồng, giặt là, tiêu chuẩn vệ sinh.",
                [
                    (
                        "Làm buồng khách",
                        ["Quy trình làm buồng trống", "Quy trình làm buồng có khách"],
                    ),
                    ("Giặt là", ["Phân loại đồ vải", "Ký hiệu giặt là"]),
                ],
            ),
            (
                "KS301",
                "Tiếng Anh chuyên ngành khách sạn",
                "Giao tiếp tiếng Anh tại quầy lễ tân và nhà hàng.",
                [
                    ("At the front desk", ["Greeting guests", "Checking in and out"]),
                    ("In the restaurant", ["Taking orders", "Describing dishes"]),
                ],
            ),
        ],
    },
}

LESSON_TEXT = (
    "<p>Bài học <b>{title}</b> thuộc mô-đun <i>{module}</i>. Sau bài học, người học trình bày được "
    "nội dung chính, thực hiện được các thao tác cơ bản và tuân thủ quy định an toàn tại xưởng.</p>"
    "<ul><li>Mục tiêu: nắm vững kiến thức nền tảng.</li>"
    "<li>Thực hành: làm bài tập theo hướng dẫn của giảng viên.</li>"
    "<li>Đánh giá: câu hỏi trắc nghiệm cuối bài.</li></ul>"
)
